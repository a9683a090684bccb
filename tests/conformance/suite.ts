/**
 * The conformance suite (one test file per resource runs it, so jest spreads them over its workers): every resource (cases.ts) goes through the same lifecycle, through the
 * real dynamic-provider gRPC server, in every emulator routes mode (the jest projects, see
 * jest.config.js): create; a no-op `up` and a `preview` with 0 requests; a single-field update
 * that is exactly one request (its `update_mask` naming only that field); reordering lists is no
 * change; refresh reports drift and the next `up` repairs it; after a refresh a preview names the
 * drifted input, and `ignoreChanges` on it keeps Veza's value; an out-of-band delete is dropped by
 * refresh and re-created by `up`; bad input is named, 0 requests; destroy releases what it granted.
 *
 * Every step stands alone (`jest -t "<title>"` runs just it): it starts from `created()`, which puts
 * back the tenant and the stack state the case's first `up` left (that `up` runs once per file, on
 * the first step that needs it, and the "create" step asserts on it). No step depends on another
 * having run, or on the order they run in. A new step: `const id = await created();`, then act and
 * assert. What is special to a resource lives in tests/resources/<resource>.test.ts.
 *
 * The provider runs in the test process (tests/support/in-process.ts), except for one case in the
 * "gateway" mode (access-profile.test.ts), whose lifecycle goes through a dynamic-provider process
 * per operation, as under the CLI (the other modes have the real CLI's lifecycle for that).
 */
import * as fs from "node:fs";
import { HAS_ASSUMED_ROUTES, IN_PROCESS, ROUTES_MODE, rig, TOKEN, type Rig, type RigOptions } from "../resources/helpers";
import type { Engine, PluginServer, Summary } from "../../harness";
import * as veza from "../../provider";
import type { TenantData } from "../../emulator";
import type { ConformanceCase, Kit, Variant } from "./cases";

/** The requests sent since the last reset, as "METHOD route" (an empty list is "nothing was sent"). */
export const sentRoutes = (r: Rig): string[] => r.emu.requests().map((q) => q.route);

/** The error messages of an operation, one per line (for matching the failure a step expects). */
const messages = (s: Summary) => s.errors.map((x) => x.message).join("\n");

/**
 * Declares the suite's tests for one resource's case: through the dynamic provider, in this process
 * (the middle layer, tests/support/in-process.ts) unless `o.provider` says "process"; or, with
 * `o.through`, through the provider plugin `veza` (the same resource code behind its gRPC service,
 * served by its own `serve`), the programs then declaring with `kit`'s classes (the plugin's tokens).
 */
export function conformance(c: ConformanceCase, o: RigOptions & { through?: { plugin: PluginServer; kit: Kit } } = IN_PROCESS): void {
  const through = o.through;
  const program = (v: Variant) => c.program(v, through?.kit ?? veza);
  // the tenant cannot make the case's update (a type's PATCH is an assumed route): the update fails naming the field
  const updateRouteMissing = c.updateNeedsAssumedRoutes === true && !HAS_ASSUMED_ROUTES;
  const updateRefused = /cannot change description/;

  const where = through ? " through the plugin" : "";
  describe(`${c.kind} conformance${where} (routes ${ROUTES_MODE}${o.provider === "process" ? ", a provider process per operation" : ""})`, () => {
    let r: Rig;
    let e: Engine;
    const subjectId = () => e.state().resources.find((x) => x.name === "subject")?.id ?? "";

    /** The case's first `up`, from an empty tenant and stack: what it returned and what it left. */
    interface Created {
      summary: Summary;
      id: string;
      tenant: TenantData;
      state: string;
    }
    let first: Promise<Created> | undefined;
    const createOnce = (): Promise<Created> =>
      (first ??= (async () => {
        r.emu.store.clear();
        fs.rmSync(r.stateFile, { force: true });
        const summary = await e.up(program({}));
        return { summary, id: subjectId(), tenant: structuredClone(r.emu.store.toJSON()), state: e.stateText() };
      })());

    /**
     * Puts back the tenant and stack state the case's first `up` left, with the request log empty,
     * and returns the subject's id: every step starts here.
     */
    async function created(): Promise<string> {
      const c0 = await createOnce();
      if (c0.summary.errors.length > 0 || c0.id === "")
        throw new Error(`the create every step starts from failed: ${JSON.stringify(c0.summary.errors)}`);
      r.emu.store.load(structuredClone(c0.tenant));
      fs.writeFileSync(r.stateFile, c0.state);
      r.emu.resetStats();
      return c0.id;
    }

    beforeAll(async () => {
      // a plugin is served by its own `serve` (tests/plugin/in-process.ts), the dynamic provider as `o` says
      r = await rig({}, through ? {} : o);
      e = r.engine(through ? { plugin: through.plugin } : {});
    });
    afterAll(async () => {
      await r.close();
    });

    test(`create makes the subject and what it needs (${c.resources} resources), and Veza has the subject`, async () => {
      const { summary, id, tenant } = await createOnce();
      expect(summary.errors).toEqual([]);
      expect({ creates: summary.creates, subjectId: id }).toEqual({ creates: c.resources, subjectId: expect.stringMatching(/./) });
      r.emu.store.load(structuredClone(tenant));
      expect({ subjectInVeza: c.exists(r.emu, id) }).toEqual({ subjectInVeza: true });
    });

    test("a second up changes nothing and sends no request", async () => {
      await created();
      const s = await e.up(program({}));
      expect(s).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, sames: c.resources, errors: [] });
      expect(sentRoutes(r)).toEqual([]);
    });

    test("preview of a single-field change shows an update of the subject and sends no request", async () => {
      await created();
      const s = await e.preview(program({ updated: true }));
      expect(s.errors).toEqual([]);
      expect(s.resources.subject.op).toBe("update");
      // the plugin supports preview: the engine asks it (an Update with preview), and it sends nothing
      if (through) expect({ updateCalls: s.grpc.Update }).toEqual({ updateCalls: 1 });
      expect(sentRoutes(r)).toEqual([]);
    });

    if (updateRouteMissing) {
      test("a single-field update on a tenant without the route is one request, and fails naming the field", async () => {
        await created();
        const s = await e.up(program({ updated: true }));
        // a tenant without the route has no template for it: the emulator logs the request as unmatched
        expect(r.mutations().map((q) => q.route)).toEqual([`${c.update.route.split(" ")[0]} (unmatched)`]);
        expect(messages(s)).toMatch(updateRefused);
        expect(s.updates).toBe(0);
      });
    } else {
      test("a single-field update is one request naming only that field, and the next up is a no-op", async () => {
        await created();
        const s = await e.up(program({ updated: true }));
        const sent = r.mutations();
        expect(sent.map((q) => q.route)).toEqual([c.update.route]);
        if (c.update.mask) expect({ update_mask: sent[0].query.update_mask?.split(",") }).toEqual({ update_mask: c.update.mask });
        if (c.update.body) expect(sent[0].body).toMatchObject(c.update.body);
        expect(s.errors).toEqual([]);
        expect(s.updates).toBe(1);
        expect((await e.up(program({ updated: true }))).updates).toBe(0);
      });
    }

    test("reordering lists is no change and sends no request", async () => {
      await created();
      const s = await e.up(program({ reordered: true }));
      expect(s).toMatchObject({ updates: 0, replaces: 0, sames: c.resources, errors: [] });
      expect(sentRoutes(r)).toEqual([]);
    });

    test(
      updateRouteMissing
        ? "refresh reports drift; the next up cannot repair it on a tenant without the route, and fails naming the field"
        : "refresh reports drift; the next up repairs it with one update, and the up after that is a no-op",
      async () => {
        const id = await created();
        c.drift(r.emu, id);
        const refreshed = await e.refresh();
        expect(refreshed.errors).toEqual([]);
        expect(refreshed.resources.subject.op).toBe("refresh-update");
        const repaired = await e.up(program({}));
        if (updateRouteMissing) {
          expect(messages(repaired)).toMatch(updateRefused);
          expect(repaired.updates).toBe(0);
          return;
        }
        expect(repaired.errors).toEqual([]);
        expect(repaired.updates).toBe(1);
        expect((await e.up(program({}))).sames).toBe(c.resources);
      },
    );

    test(`after a refresh of drift, a preview's update of the subject names ${c.driftedInput}, and sends no request`, async () => {
      const id = await created();
      c.drift(r.emu, id);
      expect((await e.refresh()).errors).toEqual([]);
      r.emu.resetStats();
      const s = await e.preview(program({}));
      expect(s.errors).toEqual([]);
      expect({ op: s.resources.subject.op, diffKeys: s.resources.subject.diffKeys }).toEqual({
        op: "update",
        diffKeys: [c.driftedInput],
      });
      expect(sentRoutes(r)).toEqual([]);
    });

    test(`ignoreChanges on ${c.driftedInput}: after a refresh of drift, up keeps Veza's value and sends nothing, twice`, async () => {
      const id = await created();
      c.drift(r.emu, id);
      expect((await e.refresh()).errors).toEqual([]);
      const ignoring = program({ ignoreChanges: [c.driftedInput] });
      r.emu.resetStats();
      for (const s of [await e.up(ignoring), await e.up(ignoring)]) {
        expect(s).toMatchObject({ creates: 0, updates: 0, replaces: 0, deletes: 0, errors: [] });
      }
      expect(r.mutations().map((q) => q.route)).toEqual([]);
    });

    test("an out-of-band delete: refresh drops it, the next up creates it again (a new object in Veza)", async () => {
      const id = await created();
      c.deleteOutOfBand(r.emu, id);
      const refreshed = await e.refresh();
      expect(refreshed.errors).toEqual([]);
      expect(refreshed.resources.subject.op).toBe("refresh-delete");
      expect(e.state().resources.filter((x) => x.name === "subject")).toEqual([]);
      const again = await e.up(program({}));
      expect(again.errors).toEqual([]);
      expect(again.resources.subject.op).toBe("create");
      const recreated = subjectId();
      expect({ recreatedInVeza: c.exists(r.emu, recreated), sameIdAsDeleted: recreated === id }).toEqual({
        recreatedInVeza: true,
        sameIdAsDeleted: false,
      });
    });

    // with the stack in place, so that nothing else of the program has anything to send
    test(`bad input fails check naming ${c.badInput.property}, and nothing is sent`, async () => {
      await created();
      const s = await e.up(program({ bad: true }));
      expect(messages(s)).toContain(`: ${c.badInput.property} `);
      expect(sentRoutes(r)).toEqual([]);
    });

    test(`destroy empties the stack, ${HAS_ASSUMED_ROUTES ? "deletes or releases the subject" : "releases the subject the way a tenant without the assumed routes allows"}, and leaves no token in state`, async () => {
      const id = await created();
      const s = await e.destroy();
      expect(s.errors).toEqual([]);
      expect(s.resources.subject.op).toBe("delete");
      expect(e.state().resources).toEqual([]);
      // each unmet expectation is named (an empty list: released as this routes mode requires)
      expect(c.released({ emu: r.emu, id, destroy: s, sent: r.mutations(), hasAssumedRoutes: HAS_ASSUMED_ROUTES })).toEqual([]);
      expect(e.stateText()).not.toContain(TOKEN);
    });
  });
}
