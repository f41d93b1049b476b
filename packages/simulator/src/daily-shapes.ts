/** A smooth peak of height 1 at `centreHour`, `widthHours` being one standard deviation. */
export function bump(hour: number, centreHour: number, widthHours: number): number {
  return Math.exp(-0.5 * ((hour - centreHour) / widthHours) ** 2);
}

/**
 * Clear-sky sunshine in [0, 1] at a local hour for mid-northern latitudes: 0 between sunset and
 * sunrise (always at midnight), highest at solar noon, longer and stronger days in summer.
 */
export function clearSky(hour: number, dayOfYear: number): number {
  const summer = Math.sin((2 * Math.PI * (dayOfYear - 80)) / 365); // +1 at the June solstice
  const dayLengthHours = 12 + 4 * summer;
  const sinceSunriseHours = hour - (12.5 - dayLengthHours / 2);
  if (sinceSunriseHours <= 0 || sinceSunriseHours >= dayLengthHours) return 0;
  return Math.sin((Math.PI * sinceSunriseHours) / dayLengthHours) ** 1.5 * (0.65 + 0.35 * summer);
}
