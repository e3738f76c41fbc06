import { describe, expect, it } from 'vitest';
import { gridToLatLon, latLonToGrid } from '../../lambdas/domain/coordinates.js';

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
});
