/** Lambda entry of the alarm API function (`geotech-<env>-alarm-api`), behind the HTTP API. */
export const handler = async (): Promise<never> => {
  throw new Error('the alarm API handler is not implemented in this build');
};
