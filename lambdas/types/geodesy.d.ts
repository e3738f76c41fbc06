/**
 * Types for the two geodesy modules the domain uses (geodesy ships none, and the community
 * package's extensionless relative imports do not resolve under NodeNext).
 */
declare module 'geodesy/latlon-ellipsoidal-datum.js' {
  export interface Ellipsoid {
    readonly a: number;
    readonly b: number;
    readonly f: number;
  }
  /** An ellipsoid and its Helmert transform to WGS84: tx, ty, tz (m), s (ppm), rx, ry, rz (arcseconds). */
  export interface Datum {
    readonly ellipsoid: Ellipsoid;
    readonly transform: readonly number[];
  }
  export default class LatLonEllipsoidal {
    constructor(lat: number, lon: number, height?: number, datum?: Datum);
    get lat(): number;
    get lon(): number;
    static get ellipsoids(): Readonly<
      Record<
        'WGS84' | 'Airy1830' | 'AiryModified' | 'Bessel1841' | 'Clarke1866' | 'Clarke1880IGN' | 'GRS80' | 'Intl1924' | 'WGS72',
        Ellipsoid
      >
    >;
  }
}

declare module 'geodesy/utm.js' {
  import LatLonEllipsoidal, { type Datum } from 'geodesy/latlon-ellipsoidal-datum.js';

  export class LatLon extends LatLonEllipsoidal {
    /** Grid position in the point's own UTM zone, or in `zoneOverride`. */
    toUtm(zoneOverride?: number): Utm;
  }

  export default class Utm {
    constructor(zone: number, hemisphere: 'N' | 'S', easting: number, northing: number, datum?: Datum);
    readonly zone: number;
    readonly hemisphere: 'N' | 'S';
    readonly easting: number;
    readonly northing: number;
    toLatLon(): LatLon;
  }
}
