/**
 * The impact differential test (tests/impact/differential-model.ts) on the real Pulumi CLI's own
 * `pulumi preview --json --show-sames`: a fixed few changes of several edits each, chosen to cover
 * what the model must get right (overlapping memberships, a replace, a secret list, a profile
 * outside the stack, exclusive memberships, a profile deleted and one created behind
 * propertyDependencies), with hand edits in Veza between them. The many seeded changes run on the
 * test engine (tests/impact/differential.test.ts): each CLI command costs about 2 s of CPU, and the
 * stack's connection goes through the environment rather than two `pulumi config set`.
 */
import { BASE, profileName, programSource, runChanges, tallyLine, type Stack } from "../impact/differential-model";
import { cliRig, describeWithCli, TOKEN, type CliRig } from "./cli";

/** One change: hand edits in Veza first (given a profile's Veza id by its key), then the program's edits. */
interface Scripted {
  what: string;
  hand?: (veza: {
    idOf: (key: string) => string;
    add: (key: string, identity: string) => void;
    outside: (name: string, inherits: string, member: string) => void;
  }) => void;
  edit: (s: Stack) => void;
}

const membership = (s: Stack, key: string) => s.memberships.find((m) => m.key === key)!;
const profile = (s: Stack, key: string) => s.profiles.find((p) => p.key === key)!;

const CHANGES: Scripted[] = [
  {
    what: "eve added to Pc in Veza; m-3 (cy, also listed by m-2) deleted; a new membership of Pb; Pa grants ga2",
    hand: (v) => v.add("c", "eve"),
    edit: (s) => {
      s.memberships = s.memberships.filter((m) => m.key !== "3");
      s.memberships.push({ key: "n1", profile: "b", ids: ["bob"], exclusive: false, secret: false });
      profile(s, "a").entities.push("ga2");
    },
  },
  {
    what: "bob added to Pa in Veza; Pe replaced (another profileType); m-1 lists ann and dan; m-4 turns exclusive; Pc grants gc2",
    hand: (v) => v.add("a", "bob"),
    edit: (s) => {
      profile(s, "e").type = "t2";
      membership(s, "1").ids = ["ann", "dan"];
      membership(s, "4").exclusive = true;
      profile(s, "c").entities.push("gc2");
    },
  },
  {
    what: "m-2's list a secret, with eve added; m-n1 moves to Pd; Pd no longer inherits Pb",
    edit: (s) => {
      Object.assign(membership(s, "2"), { secret: true, ids: ["bob", "cy", "eve"] });
      membership(s, "n1").profile = "d";
      profile(s, "d").inherits = ["c"];
    },
  },
  {
    what: "a profile outside the stack inherits Pd (dan holds it); m-2 plain again; Pe deleted; a new Px inherited by Pd, with cy",
    hand: (v) => v.outside("Outside", "d", "dan"),
    edit: (s) => {
      membership(s, "2").secret = false;
      s.profiles = s.profiles.filter((p) => p.key !== "e");
      s.memberships = s.memberships.filter((m) => m.profile !== "e");
      s.profiles.push({ key: "x", rank: -1, type: "t1", entities: ["gx"], inherits: [] });
      profile(s, "d").inherits.push("x");
      s.memberships.push({ key: "n2", profile: "x", ids: ["cy"], exclusive: false, secret: false });
    },
  },
];

describeWithCli("the impact differential test on the real CLI's preview JSON", () => {
  let r: CliRig;
  beforeAll(async () => {
    r = await cliRig(programSource(BASE), { connection: "env" });
    const up = await r.stack.up();
    if (up.code !== 0) throw new Error(`${up.stdout}\n${up.stderr}`);
  }, 120_000);
  afterAll(() => r?.close());

  test(`${CHANGES.length} scripted changes: the impact of each CLI preview vs the access really gained and lost`, async () => {
    const store = r.emu.store;
    const idOf = (key: string) => store.findProfileByName(profileName(key))!.id;
    const hand = {
      idOf,
      add: (key: string, identity: string) =>
        store.changeMembers(idOf(key), store.getProfile(idOf(key)).current_version_number, { type: "ADD", identity_ids: [identity] }),
      outside: (name: string, inherits: string, member: string) => {
        const p = store.createProfile({
          name,
          state: "RUNNING",
          profile_type: store.listTypes()[0]!.id,
          inherit_entities_from_access_profiles: [idOf(inherits)],
        }).profile;
        store.changeMembers(p.id, 1, { type: "ADD", identity_ids: [member] });
      },
    };
    const plan = (c: number, stack: Stack) => {
      const change = CHANGES[c]!;
      change.hand?.(hand);
      const next: Stack = JSON.parse(JSON.stringify(stack));
      change.edit(next);
      return { stack: next, what: [change.what] };
    };
    const driver = {
      async preview(s: Stack) {
        r.stack.setProgram(programSource(s));
        const { result } = await r.stack.previewJson();
        if (result.code !== 0) throw new Error(`pulumi preview exited ${result.code}\n${result.stderr}`);
        return result.stdout;
      },
      async up(s: Stack) {
        r.stack.setProgram(programSource(s));
        const up = await r.stack.up();
        return up.code === 0 ? [] : [`pulumi up exited ${up.code}: ${up.stdout}\n${up.stderr}`];
      },
    };
    const { tally, failures } = await runChanges({ driver, store, url: r.emu.url, token: TOKEN, start: BASE, count: CHANGES.length, plan });
    process.stdout.write(tallyLine("real CLI, scripted", tally));
    expect(failures).toEqual([]);
    expect(tally.changes).toBe(CHANGES.length);
    // the script reaches what it is for: a secret (unresolved) and what only --tenant sees (hand edits, a profile outside the stack)
    expect(tally.unresolvedButRight).toBeGreaterThan(0);
    expect(tally.staleDiffered).toBeGreaterThan(0);
    // and the token is in no file the CLI wrote
    expect(r.stack.everythingWritten()).not.toContain(TOKEN);
  }, 180_000);
});
