/**
 * Which servers the integration tests start: env `MASS_TEST_SERVICES`, a comma list of service
 * names (`kafka`, `mysql`, `elasticsearch`, `control`: headless Chromium, no server; `mesh`: the
 * pipeline mesh, which starts no server of its own but needs kafka, mysql and elasticsearch),
 * default all of them; `none` (or an empty value) starts none. Each service's tests live in
 * `test/integration/<service>/` and its setup in `test/integration/setup/<service>.ts`; a
 * service left out has its tests left out too. Asking for a service that needs others starts
 * those as well but runs only the asked service's tests: `MASS_TEST_SERVICES=mesh` starts
 * Kafka, MariaDB and Elasticsearch and runs `test/integration/mesh/` alone.
 */
export const SERVICES = ["kafka", "mysql", "elasticsearch", "control", "mesh"] as const;

/** A service name. */
export type Service = (typeof SERVICES)[number];

/** Services whose tests need other services' servers; they have no setup file of their own. */
export const REQUIRES: Partial<Record<Service, readonly Service[]>> = {
  mesh: ["kafka", "mysql", "elasticsearch"],
};

/** The services the integration run asks for: their tests run. */
export function testedServices(): Service[] {
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
  return wanted as Service[];
}

/** The services started for this run: the asked ones and the ones they need, in SERVICES order. */
export function enabledServices(): Service[] {
  const asked = testedServices();
  const needed = new Set<Service>(asked);
  for (const s of asked) for (const r of REQUIRES[s] ?? []) needed.add(r);
  return SERVICES.filter((s) => needed.has(s));
}

/** The global setup files of this run: one per started service that has its own setup. */
export function setupServices(): Service[] {
  return enabledServices().filter((s) => REQUIRES[s] === undefined);
}

/** Whether `service` is started for this run (asked for, or needed by one asked for). */
export function serviceEnabled(service: string): boolean {
  return (enabledServices() as string[]).includes(service);
}
