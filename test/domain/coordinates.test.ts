import fc from 'fast-check';
import proj4 from 'proj4';
import { describe, expect, it } from 'vitest';
import { gridToLatLon, latLonToGrid } from '../../lambdas/domain/coordinates.js';

/** An independent implementation of the same grid, used only as a reference. */
const proj4Mga55 = proj4('+proj=utm +zone=55 +south +ellps=GRS80 +units=m +no_defs +type=crs', 'EPSG:4326');

/** Victoria's part of zone 55, where a metro project's instruments lie, with margin. */
const siteEasting = fc.double({ min: 200_000, max: 800_000, noNaN: true });
const siteNorthing = fc.double({ min: 5_650_000, max: 6_000_000, noNaN: true });

describe('grid to WGS84', () => {
  it('matches the published position of Flinders Peak (MGA zone 55 worked example)', () => {
    // Geodetic: 37°57'03.7203"S 144°25'29.5244"E; grid: E 273 741.297, N 5 796 489.777.
    const { latitude, longitude } = gridToLatLon(273741.297, 5796489.777);
    expect(latitude).toBeCloseTo(-(37 + 57 / 60 + 3.7203 / 3600), 6);
    expect(longitude).toBeCloseTo(144 + 25 / 60 + 29.5244 / 3600, 6);
  });

  it('puts the false origin of the zone on its central meridian at the equator', () => {
    const { latitude, longitude } = gridToLatLon(500000, 10000000);
    expect(latitude).toBeCloseTo(0, 9);
    expect(longitude).toBeCloseTo(147, 9);
  });

  it('places the source API grid range in metropolitan Melbourne and round-trips', () => {
    const { latitude, longitude } = gridToLatLon(323796, 5814941);
    expect(latitude).toBeGreaterThan(-37.9);
    expect(latitude).toBeLessThan(-37.7);
    expect(longitude).toBeGreaterThan(144.9);
    expect(longitude).toBeLessThan(145.1);
    const back = latLonToGrid(latitude, longitude);
    expect(back.easting).toBeCloseTo(323796, 1);
    expect(back.northing).toBeCloseTo(5814941, 1);
  });

  it('agrees with proj4 to the rounding of 1e-7 degree (about a centimetre) anywhere on the site grid', () => {
    fc.assert(
      fc.property(siteEasting, siteNorthing, (easting, northing) => {
        const [longitude, latitude] = proj4Mga55.forward([easting, northing]) as [number, number];
        const converted = gridToLatLon(easting, northing);
        expect(Math.abs(converted.latitude - latitude)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
        expect(Math.abs(converted.longitude - longitude)).toBeLessThanOrEqual(0.5e-7 + 1e-12);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips any site grid position to within the centimetre that rounding to 1e-7 degree allows', () => {
    fc.assert(
      fc.property(siteEasting, siteNorthing, (easting, northing) => {
        const { latitude, longitude } = gridToLatLon(easting, northing);
        const back = latLonToGrid(latitude, longitude);
        // 1e-7 degree of rounding is at most about 11 mm on the ground.
        expect(Math.abs(back.easting - easting)).toBeLessThan(0.012);
        expect(Math.abs(back.northing - northing)).toBeLessThan(0.012);
      }),
      { numRuns: 500 },
    );
  });
});
