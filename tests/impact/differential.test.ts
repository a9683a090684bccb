/**
 * The impact of a preview against what really happens (issue 28, item 4), through the test engine:
 * seeded random program changes of 1-4 edits each of the stack in tests/impact/differential-model.ts,
 * in the emulator. Between changes, people act in Veza by hand (a member added, a profile outside
 * the stack that inherits one of the stack's). The real CLI runs a fixed few of such changes
 * (tests/real-cli/impact-differential.test.ts); its preview JSON is the test engine's (the
 * differential test of tests/real-cli/differential.test.ts shows it), so the many run here.
 * Fixed seed; VEZA_IMPACT_DIFF_SEED and VEZA_IMPACT_DIFF_CHANGES vary it.
 */
import { mulberry32 } from "../../emulator/knobs";
import { StepRecorder, previewJsonText, type Engine } from "../../harness";
import { IN_PROCESS, rig, TOKEN, type Rig } from "../resources/helpers";
import { BASE, edit, pick, PEOPLE, profileName, program, runChanges, tallyLine, type Stack } from "./differential-model";

const SEED = Number(process.env.VEZA_IMPACT_DIFF_SEED ?? 28);
const CHANGES = Number(process.env.VEZA_IMPACT_DIFF_CHANGES ?? 12);

let r: Rig;
let e: Engine;
const steps = new StepRecorder();
beforeAll(async () => {
  // the middle layer: what is tested is the impact of a preview, not the provider process
  r = await rig({}, IN_PROCESS);
  e = r.engine({ onStep: steps.onStep });
}, 60_000);
afterAll(() => r.close());

test(`differential: ${CHANGES} seeded program changes (seed ${SEED}), the impact of each preview vs the access really gained and lost`, async () => {
  const random = mulberry32(SEED);
  const serial = { n: 0 };
  const inheritedOutside = new Set<string>();
  expect((await e.up(program(BASE))).errors).toEqual([]);
  steps.take();
  const store = r.emu.store;
  const plan = (c: number, stack: Stack) => {
    // people act in Veza by hand: a member added; a profile outside the stack that inherits one of it
    const idOf = (key: string) => store.findProfileByName(profileName(key))?.id;
    if (random() < 0.5) {
      const p = idOf(pick(random, stack.profiles).key);
      if (p) store.changeMembers(p, store.getProfile(p).current_version_number, { type: "ADD", identity_ids: [pick(random, PEOPLE)] });
    }
    if (c % 5 === 1) {
      const target = pick(random, stack.profiles);
      const type = store.listTypes()[0]!;
      const outside = store.createProfile({
        name: `Outside ${c}`,
        state: "RUNNING",
        profile_type: type.id,
        inherit_entities_from_access_profiles: [idOf(target.key)],
      }).profile;
      store.changeMembers(outside.id, 1, { type: "ADD", identity_ids: [pick(random, PEOPLE)] });
      inheritedOutside.add(target.key);
    }
    const what: string[] = [];
    // a secret list stays secret for one change (every answer with one has an unresolved value)
    let next: Stack = { ...stack, memberships: stack.memberships.map((m) => ({ ...m, secret: m.secret && random() < 0.3 })) };
    const n = 1 + Math.floor(random() * 4);
    for (let i = 0; i < n; i++) {
      const step = edit(next, random, serial, inheritedOutside);
      next = step.stack;
      what.push(step.what);
    }
    return { stack: next, what };
  };
  const driver = {
    async preview(s: Stack) {
      const preview = await e.preview(program(s));
      expect(preview.errors).toEqual([]);
      return previewJsonText(steps.take(), { showSames: true });
    },
    async up(s: Stack) {
      const up = await e.up(program(s));
      steps.take();
      return up.errors.map((x) => x.message);
    },
  };
  const { tally, failures } = await runChanges({ driver, store, url: r.emu.url, token: TOKEN, start: BASE, count: CHANGES, plan });
  process.stdout.write(tallyLine(`test engine, seed ${SEED}`, tally));
  expect(failures).toEqual([]);
  expect(tally.changes).toBe(CHANGES);
}, 240_000);
