/**
 * Vitest global setup: starts Kafka (scripts/services/kafka.ts; port from `MASS_TEST_KAFKA_PORT`,
 * default 9092; version from `MASS_KAFKA_VERSION`, default 4.1.1) unless `MASS_TEST_SERVICES`
 * leaves `kafka` out, provides its bootstrap servers as `inject("kafkaBrokers")` and its port as
 * `inject("kafkaPort")`, and always stops it in the teardown. With `MASS_TEST_KAFKA_BROKERS` set
 * (comma list), that broker is used as it is (neither started nor stopped): for a quick
 * edit-test loop against `scripts/services/kafka.ts start`.
 */
import type { TestProject } from "vitest/node";
import { startKafka } from "../../../scripts/services/kafka.js";
import { serviceEnabled } from "./services.js";

declare module "vitest" {
  export interface ProvidedContext {
    /** Bootstrap servers of the Kafka of this run, e.g. `["127.0.0.1:9092"]`. */
    kafkaBrokers: string[];
    /** Client port of that broker (tests that stop and restart it use scripts/services/kafka.ts). */
    kafkaPort: number;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  if (!serviceEnabled("kafka")) return undefined;
  const given = process.env.MASS_TEST_KAFKA_BROKERS;
  if (given !== undefined && given !== "") {
    const brokers = given.split(",").map((b) => b.trim());
    project.provide("kafkaBrokers", brokers);
    project.provide("kafkaPort", Number(brokers[0]!.split(":")[1]));
    return undefined;
  }
  const kafka = await startKafka({ log: (m) => process.stderr.write(`kafka: ${m}\n`) });
  project.provide("kafkaBrokers", kafka.brokers);
  project.provide("kafkaPort", kafka.port);
  return () => kafka.stop();
}
