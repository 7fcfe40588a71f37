import { describe, expect, it } from "vitest";
import { whileConcurrent } from "../../../src/connectors/kafka/exactly-once.js";

const concurrent = () =>
  Object.assign(new Error("another operation on the transaction is ongoing"), {
    type: "CONCURRENT_TRANSACTIONS",
    code: 51,
  });

describe("whileConcurrent: AddOffsetsToTxn retried while the previous transaction completes", () => {
  it("calls again after CONCURRENT_TRANSACTIONS until the broker accepts", async () => {
    let calls = 0;
    const r = await whileConcurrent(async () => {
      calls++;
      if (calls < 4) throw concurrent();
      return "added";
    });
    expect(r).toBe("added");
    expect(calls).toBe(4);
  });

  it("throws any other error at once (no retry)", async () => {
    let calls = 0;
    const fenced = Object.assign(new Error("fenced"), { type: "PRODUCER_FENCED" });
    await expect(
      whileConcurrent(async () => {
        calls++;
        throw fenced;
      }),
    ).rejects.toBe(fenced);
    expect(calls).toBe(1);
  });

  it("gives up after maxMs and throws the broker's error", async () => {
    let calls = 0;
    await expect(
      whileConcurrent(async () => {
        calls++;
        throw concurrent();
      }, 100),
    ).rejects.toMatchObject({ type: "CONCURRENT_TRANSACTIONS" });
    // 20 + 40 ms of backoff fit in 100 ms, the next 80 does not
    expect(calls).toBe(3);
  });
});
