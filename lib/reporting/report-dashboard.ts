import type { CfnDashboard } from 'aws-cdk-lib/aws-quicksight';
import { columnOf, REPORT_VIEW_IDS, REPORT_VIEWS, type ReportViewId } from './report-views.js';

type Definition = CfnDashboard.DashboardVersionDefinitionProperty;
type Visual = CfnDashboard.VisualProperty;
type FilterGroup = CfnDashboard.FilterGroupProperty;

export const SHEET_ID = 'reports';

/** The parameters the sheet's controls set, and the column each one filters. */
export const FILTER_PARAMETERS = {
  instrumentType: { name: 'InstrumentType', controlId: 'instrument-type-control', title: 'Instrument type', column: 'instrument_type' },
  instrument: { name: 'Instrument', controlId: 'instrument-control', title: 'Instrument', column: 'instrument_id' },
} as const;

/** A table column: the view column shown, its heading, and whether it is a 0–1 fraction shown as a percentage. */
export interface TableColumn {
  readonly column: string;
  readonly label: string;
  readonly percentage?: boolean;
}

interface VisualSpec {
  /** Visual ID, unique in the sheet. */
  readonly id: string;
  /** The view (dataset) the visual shows. */
  readonly view: ReportViewId;
  readonly title: string;
  /** Grid cells the visual takes; the grid is 36 columns wide and visuals flow left to right, top to bottom. */
  readonly cells: { readonly columnSpan: number; readonly rowSpan: number };
}

export interface TableVisualSpec extends VisualSpec {
  readonly kind: 'table';
  readonly columns: readonly TableColumn[];
  /** How rows are ordered. */
  readonly sort: { readonly column: string; readonly direction: 'ASC' | 'DESC' };
}

export interface LineChartVisualSpec extends VisualSpec {
  readonly kind: 'line';
}

const INSTRUMENT_COLUMNS: readonly TableColumn[] = [
  { column: 'instrument_id', label: 'Instrument' },
  { column: 'instrument_type', label: 'Type' },
];

// Data, not logic: the table visuals are alike in shape on purpose, one entry a column of their view.
/** The visuals of the sheet, top to bottom, and the view each one shows. */
export const DASHBOARD_VISUALS: readonly (LineChartVisualSpec | TableVisualSpec)[] = [
  { id: 'instrument-history', kind: 'line', view: 'history', title: 'Hourly mean per instrument', cells: { columnSpan: 36, rowSpan: 12 } },
  {
    id: 'latest-status',
    kind: 'table',
    view: 'latest',
    title: 'Latest status',
    columns: [
      ...INSTRUMENT_COLUMNS,
      { column: 'status', label: 'Status' },
      { column: 'status_since', label: 'Since' },
      { column: 'last_reading_at', label: 'Last reading' },
      { column: 'last_value', label: 'Last value' },
      { column: 'unit', label: 'Unit' },
      { column: 'easting', label: 'Easting' },
      { column: 'northing', label: 'Northing' },
    ],
    sort: { column: 'instrument_id', direction: 'ASC' },
    cells: { columnSpan: 36, rowSpan: 8 },
  },
  {
    id: 'daily-summary',
    kind: 'table',
    view: 'daily',
    title: 'Daily summary',
    columns: [
      ...INSTRUMENT_COLUMNS,
      { column: 'day', label: 'Day (site time)' },
      { column: 'reading_count', label: 'Readings' },
      { column: 'min_value', label: 'Minimum' },
      { column: 'mean', label: 'Mean' },
      { column: 'max_value', label: 'Maximum' },
      { column: 'unit', label: 'Unit' },
      { column: 'completeness', label: 'Completeness', percentage: true },
    ],
    sort: { column: 'day', direction: 'DESC' },
    cells: { columnSpan: 36, rowSpan: 10 },
  },
  {
    id: 'exceedances',
    kind: 'table',
    view: 'exceedances',
    title: 'Trigger level exceedances',
    columns: [
      ...INSTRUMENT_COLUMNS,
      { column: 'changed_at', label: 'Changed' },
      { column: 'from_status', label: 'From' },
      { column: 'to_status', label: 'To' },
      { column: 'window_mean', label: 'Window mean' },
      { column: 'unit', label: 'Unit' },
      { column: 'ended_at', label: 'Ended' },
      { column: 'duration_seconds', label: 'Duration (s)' },
    ],
    sort: { column: 'changed_at', direction: 'DESC' },
    cells: { columnSpan: 18, rowSpan: 10 },
  },
  {
    id: 'silent-instruments',
    kind: 'table',
    view: 'silent',
    title: 'Silent instruments',
    columns: [
      ...INSTRUMENT_COLUMNS,
      { column: 'status', label: 'Status' },
      { column: 'last_reading_at', label: 'Last reading' },
      { column: 'silent_seconds', label: 'Silent for (s)' },
      { column: 'easting', label: 'Easting' },
      { column: 'northing', label: 'Northing' },
    ],
    sort: { column: 'silent_seconds', direction: 'DESC' },
    cells: { columnSpan: 18, rowSpan: 10 },
  },
];

/**
 * The monitoring report: one sheet with a line chart of each instrument's hourly mean
 * (`report_instrument_history`, one line per instrument), and tables of the latest status,
 * the daily summary, the trigger level exceedances and the silent instruments. Two
 * multi-select drop-downs, instrument type and instrument (the second cascading from the
 * first), set parameters that filter every visual; with nothing selected, nothing is filtered.
 *
 * Times are shown in the site's time zone (the dashboard's time zone option), and days are the
 * views' site-local days, so the hours of the chart and the days of the summary agree.
 *
 * @param dataSetArns the ARN of the dataset over each report view
 * @param siteTimeZone the site's IANA time zone (the `siteTimeZone` setting)
 */
export function reportDashboardDefinition(dataSetArns: Readonly<Record<ReportViewId, string>>, siteTimeZone: string): Definition {
  return {
    options: { timezone: siteTimeZone },
    dataSetIdentifierDeclarations: REPORT_VIEW_IDS.map((id) => ({ identifier: id, dataSetArn: dataSetArns[id] })),
    parameterDeclarations: Object.values(FILTER_PARAMETERS).map((parameter) => ({
      stringParameterDeclaration: {
        name: parameter.name,
        parameterValueType: 'MULTI_VALUED',
        valueWhenUnset: { valueWhenUnsetOption: 'RECOMMENDED_VALUE' },
      },
    })),
    filterGroups: filterGroups(),
    sheets: [
      {
        sheetId: SHEET_ID,
        name: 'Monitoring report',
        title: 'Geotechnical monitoring report',
        parameterControls: parameterControls(),
        sheetControlLayouts: [
          {
            configuration: {
              gridLayout: {
                elements: Object.values(FILTER_PARAMETERS).map((parameter) => ({
                  elementId: parameter.controlId,
                  elementType: 'PARAMETER_CONTROL',
                  columnSpan: 2,
                  rowSpan: 1,
                })),
              },
            },
          },
        ],
        visuals: DASHBOARD_VISUALS.map((visual) => (visual.kind === 'line' ? historyChart(visual) : table(visual))),
        layouts: [
          {
            configuration: {
              gridLayout: {
                elements: DASHBOARD_VISUALS.map((visual) => ({ elementId: visual.id, elementType: 'VISUAL', ...visual.cells })),
              },
            },
          },
        ],
      },
    ],
  };
}

/** Type first; the instrument list shows only instruments of the selected types. */
function parameterControls(): CfnDashboard.ParameterControlProperty[] {
  const { instrumentType, instrument } = FILTER_PARAMETERS;
  const latest = REPORT_VIEWS.latest;
  return [
    {
      dropdown: {
        parameterControlId: instrumentType.controlId,
        title: instrumentType.title,
        sourceParameterName: instrumentType.name,
        type: 'MULTI_SELECT',
        selectableValues: {
          linkToDataSetColumn: { dataSetIdentifier: latest.id, columnName: columnOf(latest, instrumentType.column).name },
        },
        displayOptions: { selectAllOptions: { visibility: 'VISIBLE' } },
      },
    },
    {
      dropdown: {
        parameterControlId: instrument.controlId,
        title: instrument.title,
        sourceParameterName: instrument.name,
        type: 'MULTI_SELECT',
        selectableValues: { linkToDataSetColumn: { dataSetIdentifier: latest.id, columnName: columnOf(latest, instrument.column).name } },
        displayOptions: { selectAllOptions: { visibility: 'VISIBLE' } },
        cascadingControlConfiguration: {
          sourceControls: [
            {
              sourceSheetControlId: instrumentType.controlId,
              columnToMatch: { dataSetIdentifier: latest.id, columnName: columnOf(latest, instrumentType.column).name },
            },
          ],
        },
      },
    },
  ];
}

/** One filter group per dataset shown, applying both parameters to that dataset's visuals. */
function filterGroups(): FilterGroup[] {
  const shown = [...new Set(DASHBOARD_VISUALS.map((visual) => visual.view))];
  return shown.map((viewId) => {
    const view = REPORT_VIEWS[viewId];
    return {
      filterGroupId: `filter-${viewId}`,
      crossDataset: 'SINGLE_DATASET',
      status: 'ENABLED',
      filters: Object.values(FILTER_PARAMETERS).map((parameter) => ({
        categoryFilter: {
          filterId: `filter-${viewId}-${parameter.column}`,
          column: { dataSetIdentifier: viewId, columnName: columnOf(view, parameter.column).name },
          configuration: {
            customFilterConfiguration: {
              matchOperator: 'EQUALS',
              parameterName: parameter.name,
              nullOption: 'NON_NULLS_ONLY',
              selectAllOptions: 'FILTER_ALL_VALUES',
            },
          },
        },
      })),
      scopeConfiguration: {
        selectedSheets: {
          sheetVisualScopingConfigurations: [
            {
              sheetId: SHEET_ID,
              scope: 'SELECTED_VISUALS',
              visualIds: DASHBOARD_VISUALS.filter((visual) => visual.view === viewId).map((visual) => visual.id),
            },
          ],
        },
      },
    };
  });
}

/** Hourly average of each instrument's window means, one line (colour) per instrument. */
function historyChart({ id: visualId, view: viewId, title }: LineChartVisualSpec): Visual {
  const view = REPORT_VIEWS[viewId];
  const column = (name: string) => ({ dataSetIdentifier: view.id, columnName: columnOf(view, name).name });
  return {
    lineChartVisual: {
      visualId,
      title: { visibility: 'VISIBLE', formatText: { plainText: title } },
      chartConfiguration: {
        type: 'LINE',
        fieldWells: {
          lineChartAggregatedFieldWells: {
            category: [
              { dateDimensionField: { fieldId: `${visualId}-window_start`, column: column('window_start'), dateGranularity: 'HOUR' } },
            ],
            values: [
              {
                numericalMeasureField: {
                  fieldId: `${visualId}-mean`,
                  column: column('mean'),
                  aggregationFunction: { simpleNumericalAggregation: 'AVERAGE' },
                },
              },
            ],
            colors: [{ categoricalDimensionField: { fieldId: `${visualId}-instrument_id`, column: column('instrument_id') } }],
          },
        },
        sortConfiguration: { categorySort: [{ fieldSort: { fieldId: `${visualId}-window_start`, direction: 'ASC' } }] },
        legend: { visibility: 'VISIBLE' },
      },
    },
  };
}

/** The chosen columns of the view, unaggregated (one row per view row), headed by their labels. */
function table({ id: visualId, view: viewId, title, columns, sort }: TableVisualSpec): Visual {
  const view = REPORT_VIEWS[viewId];
  const fieldId = (name: string) => `${visualId}-${columnOf(view, name).name}`;
  const percentage: CfnDashboard.FormatConfigurationProperty = {
    numberFormatConfiguration: {
      formatConfiguration: { percentageDisplayFormatConfiguration: { decimalPlacesConfiguration: { decimalPlaces: 1 } } },
    },
  };
  return {
    tableVisual: {
      visualId,
      title: { visibility: 'VISIBLE', formatText: { plainText: title } },
      chartConfiguration: {
        fieldWells: {
          tableUnaggregatedFieldWells: {
            values: columns.map(({ column, percentage: isPercentage }) => ({
              fieldId: fieldId(column),
              column: { dataSetIdentifier: view.id, columnName: column },
              ...(isPercentage ? { formatConfiguration: percentage } : {}),
            })),
          },
        },
        fieldOptions: { selectedFieldOptions: columns.map(({ column, label }) => ({ fieldId: fieldId(column), customLabel: label })) },
        sortConfiguration: { rowSort: [{ fieldSort: { fieldId: fieldId(sort.column), direction: sort.direction } }] },
      },
    },
  };
}
