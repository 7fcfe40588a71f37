/**
 * Which servers the integration tests start: env `MASS_TEST_SERVICES`, a comma list of service
 * names (`kafka`, `mysql`, `elasticsearch`, `control`: headless Chromium, no server), default all of them;
 * `none` (or an empty value) starts none. Each service's tests live in
 * `test/integration/<service>/` and its setup in `test/integration/setup/<service>.ts`; a
 * service left out has its tests left out too.
 */
export const SERVICES = ["kafka", "mysql", "elasticsearch", "control"] as const;

/** The services the integration run asks for. */
export function enabledServices(): string[] {
  const raw = process.env.MASS_TEST_SERVICES;
  if (raw === undefined) return [...SERVICES];
  const wanted = raw
    .split(",")
    .map((s) => s.trim().toLowerCase())
    .filter((s) => s !== "" && s !== "none");
  for (const s of wanted) {
    if (!(SERVICES as readonly string[]).includes(s)) {
      throw new Error(`MASS_TEST_SERVICES: unknown service "${s}"; known: ${SERVICES.join(", ")}`);
    }
  }
  return wanted;
}

/** Whether `service` is started for this run. */
export function serviceEnabled(service: string): boolean {
  return enabledServices().includes(service);
}
