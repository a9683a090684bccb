/**
 * The conformance suite (one test file per resource runs it, so jest spreads them over its workers): every resource (cases.ts) goes through the same lifecycle, through the
 * real dynamic-provider gRPC server, in every emulator routes mode (the jest projects, see
 * jest.config.js): create; a no-op `up` and a `preview` with 0 requests; a single-field update
 * that is exactly one request (its `update_mask` naming only that field); reordering lists is no
 * change; refresh reports drift and the next `up` repairs it; an out-of-band delete is dropped by
 * refresh and re-created by `up`; bad input is named, 0 requests; destroy releases what it granted.
 *
 * The steps of a case share one emulator and stack and run in order (a failed step fails the next).
 * What is special to a resource lives in tests/resources/<resource>.test.ts.
 */
import { HAS_ASSUMED_ROUTES, rig, TOKEN, type Rig } from "../resources/helpers";
import type { Engine } from "../../harness";
import type { ConformanceCase } from "./cases";

/** Declares the suite's tests for one resource's case. */
export function conformance(c: ConformanceCase): void {
  describe(`${c.kind} conformance`, () => {
    let r: Rig;
    let e: Engine;
    let id = "";
    const subjectId = () => e.state().resources.find((x) => x.name === "subject")?.id ?? "";

    beforeAll(async () => {
      r = await rig();
      e = r.engine();
    });
    afterAll(async () => {
      await r.close();
    });

    test("create", async () => {
      const s = await e.up(c.program({}));
      expect(s.errors).toEqual([]);
      expect(s.creates).toBe(c.resources);
      id = subjectId();
      expect(id).not.toBe("");
    });

    test("a second up changes nothing and sends no request", async () => {
      r.emu.resetStats();
      const s = await e.up(c.program({}));
      expect(s).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, sames: c.resources, errors: [] });
      expect(r.emu.stats().total).toBe(0);
    });

    test("preview sends no request", async () => {
      r.emu.resetStats();
      const s = await e.preview(c.program({ updated: true }));
      expect(s.errors).toEqual([]);
      expect(s.resources["subject"].op).toBe("update");
      expect(r.emu.stats().total).toBe(0);
    });

    test("a single-field update is one request naming only that field", async () => {
      r.emu.resetStats();
      const s = await e.up(c.program({ updated: true }));
      const sent = r.mutations();
      const routeMissing = c.updateNeedsAssumedRoutes && !HAS_ASSUMED_ROUTES;
      expect(sent).toHaveLength(1);
      // a tenant without the route has no template for it: the emulator logs the request as unmatched
      expect(sent[0].route).toBe(routeMissing ? `${c.update.route.split(" ")[0]} (unmatched)` : c.update.route);
      if (c.update.mask) expect(sent[0].query.update_mask.split(",")).toEqual(c.update.mask);
      if (c.update.body) expect(sent[0].body).toMatchObject(c.update.body);
      if (routeMissing) {
        // the tenant lacks the route: the update fails naming the field, nothing else is sent
        expect(s.errors.map((x) => x.message).join("\n")).toMatch(/cannot change description/);
        return;
      }
      expect(s.errors).toEqual([]);
      expect(s.updates).toBe(1);
      expect((await e.up(c.program({ updated: true }))).updates).toBe(0);
    });

    // the remaining steps start from the original program again
    test("reordering lists is no change", async () => {
      const back = await e.up(c.program({}));
      if (!(c.updateNeedsAssumedRoutes && !HAS_ASSUMED_ROUTES)) expect(back.errors).toEqual([]);
      r.emu.resetStats();
      const s = await e.up(c.program({ reordered: true }));
      expect(s).toMatchObject({ updates: 0, replaces: 0, sames: c.resources });
      expect(r.emu.stats().total).toBe(0);
    });

    test("refresh reports drift; the next up repairs it", async () => {
      c.drift(r.emu, id);
      const refreshed = await e.refresh();
      expect(refreshed.errors).toEqual([]);
      expect(refreshed.resources["subject"].op).toBe("refresh-update");
      const repaired = await e.up(c.program({}));
      if (c.updateNeedsAssumedRoutes && !HAS_ASSUMED_ROUTES) {
        expect(repaired.errors.map((x) => x.message).join("\n")).toMatch(/cannot change description/);
        return;
      }
      expect(repaired.errors).toEqual([]);
      expect(repaired.updates).toBe(1);
      expect((await e.up(c.program({}))).sames).toBe(c.resources);
    });

    test("an out-of-band delete: refresh drops it, the next up creates it again", async () => {
      c.deleteOutOfBand(r.emu, id);
      const refreshed = await e.refresh();
      expect(refreshed.errors).toEqual([]);
      expect(refreshed.resources["subject"].op).toBe("refresh-delete");
      const again = await e.up(c.program({}));
      expect(again.errors).toEqual([]);
      expect(again.resources["subject"].op).toBe("create");
      id = subjectId();
    });

    // with the stack in place, so that nothing else of the program has anything to send
    test("bad input is named with what is allowed, and nothing is sent", async () => {
      r.emu.resetStats();
      const s = await e.up(c.program({ bad: true }));
      expect(s.errors.map((x) => x.message).join("\n")).toContain(`: ${c.badInput.property} `);
      expect(r.emu.stats().total).toBe(0);
    });

    test("destroy releases it and leaves no token in state", async () => {
      const s = await e.destroy();
      expect(s.errors).toEqual([]);
      expect(s.resources["subject"].op).toBe("delete");
      expect(e.state().resources.filter((x) => x.name === "subject")).toEqual([]);
      expect(c.released(r.emu, id, HAS_ASSUMED_ROUTES)).toBe(true);
      expect(e.stateText()).not.toContain(TOKEN);
    });
  });
}
