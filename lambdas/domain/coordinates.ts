import proj4 from 'proj4';

/**
 * Site grid: Map Grid of Australia zone 55 on GDA2020 (EPSG:7855), the grid that
 * Melbourne metro projects survey in. GDA2020 and WGS84 agree to well under a metre,
 * far below the precision instrument positions are surveyed to for this purpose.
 */
export const SITE_GRID = 'EPSG:7855';
const SITE_GRID_DEFINITION = '+proj=utm +zone=55 +south +ellps=GRS80 +units=m +no_defs +type=crs';
const WGS84 = 'EPSG:4326';

proj4.defs(SITE_GRID, SITE_GRID_DEFINITION);
const gridToWgs84 = proj4(SITE_GRID, WGS84);

export interface LatLon {
  readonly latitude: number;
  readonly longitude: number;
}

/** Converts a grid position (MGA zone 55 easting and northing, metres) to WGS84 degrees. */
export function gridToLatLon(easting: number, northing: number): LatLon {
  const [longitude, latitude] = gridToWgs84.forward([easting, northing]) as [number, number];
  return { latitude: roundTo(latitude, 7), longitude: roundTo(longitude, 7) };
}

/** Converts WGS84 degrees to a grid position (MGA zone 55), metres. */
export function latLonToGrid(latitude: number, longitude: number): { easting: number; northing: number } {
  const [easting, northing] = gridToWgs84.inverse([longitude, latitude]) as [number, number];
  return { easting, northing };
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
