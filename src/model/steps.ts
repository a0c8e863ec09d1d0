// Long pure computations (grouping a cluster's Ingresses, building a group, planning a stack) are written as
// generators that yield between units of work (one Ingress, one member, one phase, a batch of picks). A yield
// carries nothing: it only marks a point where the caller may pause. `runSteps` runs one to the end at once
// (the plan command, tests); the controller runs them in time slices, giving the event loop back in between
// (src/controllers/time-slices.ts, ADR 10), so that health probes and other groups keep being served.
export type Steps<T> = Generator<void, T, void>;

/** runs `steps` to the end, without pausing, and returns its result */
export function runSteps<T>(steps: Steps<T>): T {
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}
