// MASS_TEST_SERVICES: which integration tests run and which servers their global setups start
// (test/integration/setup/services.ts), including a service that needs others' servers (mesh).
import { afterEach, describe, expect, it } from "vitest";
import {
  enabledServices,
  SERVICES,
  serviceEnabled,
  setupServices,
  testedServices,
} from "../integration/setup/services.js";

const saved = process.env.MASS_TEST_SERVICES;
afterEach(() => {
  if (saved === undefined) delete process.env.MASS_TEST_SERVICES;
  else process.env.MASS_TEST_SERVICES = saved;
});

describe("MASS_TEST_SERVICES", () => {
  it("unset: every service is tested, every server with a setup file is started", () => {
    delete process.env.MASS_TEST_SERVICES;
    expect(testedServices()).toEqual([...SERVICES]);
    expect(setupServices()).toEqual(["kafka", "mysql", "elasticsearch", "control"]);
  });

  it("mesh alone: starts Kafka, MariaDB and Elasticsearch, tests the mesh only", () => {
    process.env.MASS_TEST_SERVICES = "mesh";
    expect(testedServices()).toEqual(["mesh"]);
    expect(enabledServices()).toEqual(["kafka", "mysql", "elasticsearch", "mesh"]);
    expect(setupServices()).toEqual(["kafka", "mysql", "elasticsearch"]);
    expect(serviceEnabled("elasticsearch")).toBe(true);
    expect(serviceEnabled("control")).toBe(false);
  });

  it("a plain service starts only its own server", () => {
    process.env.MASS_TEST_SERVICES = " MySQL ,";
    expect(testedServices()).toEqual(["mysql"]);
    expect(setupServices()).toEqual(["mysql"]);
    expect(serviceEnabled("kafka")).toBe(false);
  });

  it("none starts nothing; an unknown name is an error listing the known ones", () => {
    process.env.MASS_TEST_SERVICES = "none";
    expect(setupServices()).toEqual([]);
    process.env.MASS_TEST_SERVICES = "kafak";
    expect(() => testedServices()).toThrow(
      /unknown service "kafak"; known: kafka, mysql, elasticsearch, control, mesh/,
    );
  });
});
