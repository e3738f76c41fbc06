import { STATUS_COLOURS } from './palette.js';

/** The report's style sheet, inlined so the file stands alone. Prints on A4 landscape. */
export const REPORT_CSS = `
:root {
  --ink: #1d2433; --muted: #5b6578; --rule: #d9dee7; --panel: #f5f7fa; --brand: #14325c;
  --normal: ${STATUS_COLOURS.normal}; --alert: ${STATUS_COLOURS.alert}; --alarm: ${STATUS_COLOURS.alarm};
  --action: ${STATUS_COLOURS.action}; --unevaluated: ${STATUS_COLOURS.unevaluated};
}
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0; color: var(--ink); background: #ffffff; font: 14px/1.45 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
header.masthead { background: var(--brand); color: #ffffff; padding: 22px 40px 18px; }
header.masthead .kicker { text-transform: uppercase; letter-spacing: 0.12em; font-size: 11px; opacity: 0.8; margin: 0 0 4px; }
header.masthead h1 { font-size: 24px; font-weight: 600; margin: 0 0 10px; }
header.masthead dl { display: flex; flex-wrap: wrap; gap: 6px 32px; margin: 0; font-size: 13px; }
header.masthead dt { opacity: 0.75; margin-right: 6px; display: inline; }
header.masthead dd { margin: 0; display: inline; font-weight: 600; }
main { max-width: 1240px; margin: 0 auto; padding: 8px 40px 40px; }
section { margin-top: 28px; }
h2 { font-size: 18px; font-weight: 600; color: var(--brand); border-bottom: 2px solid var(--brand); padding-bottom: 4px; margin: 0 0 12px; }
h3 { font-size: 15px; font-weight: 600; margin: 18px 0 6px; }
p.note, .caption { color: var(--muted); font-size: 12.5px; margin: 4px 0 8px; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(180px, 1fr)); gap: 12px; margin-top: 20px; }
.card { background: var(--panel); border: 1px solid var(--rule); border-radius: 6px; padding: 12px 14px; }
.card .label { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: 0.05em; }
.card .value { font-size: 26px; font-weight: 600; margin-top: 2px; }
.card .detail { font-size: 12px; color: var(--muted); margin-top: 4px; }
.card .detail .badge { margin: 2px 4px 0 0; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #ffffff; white-space: nowrap; }
.badge.normal { background: var(--normal); } .badge.alert { background: var(--alert); color: #1d2433; }
.badge.alarm { background: var(--alarm); } .badge.action { background: var(--action); } .badge.unevaluated { background: var(--unevaluated); }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 12.5px; margin: 6px 0 4px; align-items: center; }
.legend .item { display: inline-flex; align-items: center; gap: 6px; }
.legend .swatch { width: 18px; height: 3px; border-radius: 2px; display: inline-block; }
.legend svg { overflow: visible; }
.plan-layout { display: grid; grid-template-columns: minmax(0, 720px) minmax(200px, 1fr); gap: 20px; align-items: start; }
.plan-layout .legend { flex-direction: column; align-items: flex-start; }
.figure { border: 1px solid var(--rule); border-radius: 6px; padding: 10px 12px 6px; background: #ffffff; }
svg.chart, svg.plan { display: block; width: 100%; height: auto; font: 11px "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", sans-serif; }
svg .grid line { stroke: #e6e9ef; stroke-width: 1; }
svg .axis line { stroke: #8a94a6; stroke-width: 1; }
svg .axis text { fill: #4a5468; }
svg .axis .unit { fill: var(--ink); font-weight: 600; }
svg .levels text { font-weight: 600; }
svg .line { fill: none; stroke-width: 1.6; stroke-linejoin: round; stroke-linecap: round; }
svg .ground { fill: #fbfcfd; stroke: #c6ccd7; }
svg .label { fill: var(--ink); font-size: 11px; paint-order: stroke; stroke: #ffffff; stroke-width: 3px; }
svg .north path { fill: var(--ink); } svg .north text { font-weight: 700; fill: var(--ink); }
svg .scale-bar .dark { fill: var(--ink); } svg .scale-bar .light { fill: #ffffff; stroke: var(--ink); stroke-width: 0.8; }
svg .scale-bar text { fill: var(--ink); }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 12px; }
.multiples .figure h4 { margin: 0 0 2px; font-size: 13.5px; display: flex; gap: 8px; align-items: center; }
.multiples .figure .caption { margin: 0 0 4px; }
table { border-collapse: collapse; width: 100%; font-size: 12.5px; }
caption { text-align: left; color: var(--muted); font-size: 12.5px; padding-bottom: 6px; }
th, td { padding: 5px 8px; border-bottom: 1px solid var(--rule); text-align: left; vertical-align: top; white-space: nowrap; }
td.wrap { white-space: normal; }
th { background: var(--panel); font-weight: 600; color: #33405a; border-bottom: 2px solid #c6ccd7; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) td { background: #fafbfc; }
.table-wrap { overflow-x: auto; }
.completeness.low { color: #a23b00; font-weight: 600; }
.open { font-style: italic; color: var(--muted); }
.empty { color: var(--muted); font-style: italic; padding: 8px 0; }
footer { color: var(--muted); font-size: 12px; border-top: 1px solid var(--rule); margin-top: 36px; padding-top: 12px; }
footer ul { margin: 6px 0 0; padding-left: 18px; }
@media (max-width: 900px) { .plan-layout { grid-template-columns: 1fr; } main, header.masthead { padding-left: 16px; padding-right: 16px; } }
@media print {
  @page { size: A4 landscape; margin: 12mm; }
  body { font-size: 11px; }
  header.masthead { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .badge, .card, svg { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  section { break-inside: avoid-page; }
  section.long { break-inside: auto; }
  thead { display: table-header-group; }
  tr { break-inside: avoid; }
}
`;
