import LatLonEllipsoidal, { type Datum } from 'geodesy/latlon-ellipsoidal-datum.js';
import Utm, { LatLon as LatLonUtm } from 'geodesy/utm.js';

/**
 * Site grid: Map Grid of Australia zone 55 on GDA2020 (EPSG:7855), the grid that
 * Melbourne metro projects survey in. MGA is UTM on the GRS80 ellipsoid; GDA2020 and WGS84
 * agree to well under a metre, far below the precision instrument positions are surveyed to
 * for this purpose, so the datum shift is taken as null.
 */
export const SITE_GRID = 'EPSG:7855';
const MGA_ZONE = 55;
const GDA2020: Datum = { ellipsoid: LatLonEllipsoidal.ellipsoids.GRS80, transform: [0, 0, 0, 0, 0, 0, 0] };

export interface LatLon {
  readonly latitude: number;
  readonly longitude: number;
}

/** Converts a grid position (MGA zone 55 easting and northing, metres) to WGS84 degrees. */
export function gridToLatLon(easting: number, northing: number): LatLon {
  const position = new Utm(MGA_ZONE, 'S', easting, northing, GDA2020).toLatLon();
  return { latitude: roundTo(position.lat, 7), longitude: roundTo(position.lon, 7) };
}

/** Converts WGS84 degrees to a grid position (MGA zone 55, even outside the zone's own strip), metres. */
export function latLonToGrid(latitude: number, longitude: number): { easting: number; northing: number } {
  const { easting, northing } = new LatLonUtm(latitude, longitude, 0, GDA2020).toUtm(MGA_ZONE);
  return { easting, northing };
}

function roundTo(value: number, decimals: number): number {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}
