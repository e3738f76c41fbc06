/** Lambda entry of the escalation function (`geotech-<env>-escalation`), started every minute by EventBridge Scheduler. */
export const handler = async (): Promise<never> => {
  throw new Error('the escalation handler is not implemented in this build');
};
