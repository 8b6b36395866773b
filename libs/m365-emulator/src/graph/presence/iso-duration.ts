/**
 * An ISO 8601 duration of days, hours, minutes and seconds (`PT1H`, `PT5M`, `P1DT2H`, `PT90S`) in milliseconds;
 * undefined for anything else (years, months and weeks have no fixed length and are not accepted).
 */
export function parseIsoDuration(value: string): number | undefined {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(value);
  if (!match || value === 'P' || value.endsWith('T')) return undefined;
  const [, days, hours, minutes, seconds] = match;
  return (
    ((Number(days ?? 0) * 24 + Number(hours ?? 0)) * 60 + Number(minutes ?? 0)) * 60_000 +
    Math.round(Number(seconds ?? 0) * 1000)
  );
}
