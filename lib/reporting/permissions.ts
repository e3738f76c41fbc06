/**
 * What the configured QuickSight principals may do with the reporting assets. They use, but
 * do not own, the data source and datasets (so authors can build their own analyses on the
 * report views) and view the dashboard. Nobody in QuickSight can change or delete the assets:
 * CloudFormation owns them, and changes go through the code.
 */

/** Use the data source: see it and create datasets from it. */
export const DATA_SOURCE_USER_ACTIONS = [
  'quicksight:DescribeDataSource',
  'quicksight:DescribeDataSourcePermissions',
  'quicksight:PassDataSource',
] as const;

/** Use a dataset: see it and build analyses on it. */
export const DATA_SET_USER_ACTIONS = [
  'quicksight:DescribeDataSet',
  'quicksight:DescribeDataSetPermissions',
  'quicksight:PassDataSet',
  'quicksight:DescribeIngestion',
  'quicksight:ListIngestions',
] as const;

/** View the dashboard. */
export const DASHBOARD_VIEWER_ACTIONS = [
  'quicksight:DescribeDashboard',
  'quicksight:ListDashboardVersions',
  'quicksight:QueryDashboard',
] as const;

export interface ResourcePermission {
  readonly principal: string;
  readonly actions: string[];
}

/** The same actions for every principal, in the shape the QuickSight resources take. */
export function permissionsFor(principals: readonly string[], actions: readonly string[]): ResourcePermission[] {
  return principals.map((principal) => ({ principal, actions: [...actions] }));
}
