// Tries to open far more metric series than the host allows (one per
// user id), and sends invalid instrument names and values: the host caps
// the series, drops the rest and counts every drop.
import { http, metrics } from "../sdk/index";

export function init(): void {}

export function request(): void {
  metrics.add("probe.requests", 1);
  const user = http.header("x-user");
  for (let i = 0; i < 50; i++) {
    metrics.add("probe.requests", 1, "user.id", (user ? user : "anon") + "-" + i.toString());
  }
  metrics.add("9bad name", 1);
  metrics.add("probe.negative", -1);
  metrics.record("probe.nan", NaN);
}

export function response(): void {}
