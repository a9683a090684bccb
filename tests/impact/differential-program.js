/**
 * The program of the impact differential test (tests/impact/differential-model.ts), from its stack
 * as data: the test engine calls it in-process, the real CLI through an index.js that requires this
 * file with the stack written into it (tests/real-cli/impact-differential.test.ts).
 */
module.exports = function program(pulumi, veza, s) {
  const types = {
    t1: new veza.AccessProfileType("t1", { name: "Role", allowCreateRelationships: true, allowInheritEntities: true }),
    t2: new veza.AccessProfileType("t2", { name: "Business Role", allowCreateRelationships: true, allowInheritEntities: true }),
  };
  const p = new Map();
  for (const x of [...s.profiles].sort((a, b) => a.rank - b.rank)) {
    p.set(x.key, new veza.AccessProfile(`p-${x.key}`, { name: `P${x.key}`, profileType: types[x.type].id }));
  }
  for (const x of s.profiles) {
    new veza.AccessProfileVersion(`v-${x.key}`, {
      accessProfileId: p.get(x.key).id,
      entities: x.entities.map((id) => ({ entityType: "OktaGroup", datasourceId: "okta", entityId: id })),
      inheritFrom: x.inherits.map((k) => p.get(k).id),
    });
  }
  for (const m of s.memberships) {
    new veza.ProfileMembership(`m-${m.key}`, {
      accessProfileId: p.get(m.profile).id,
      identityIds: m.secret ? pulumi.secret(m.ids) : m.ids,
      exclusive: m.exclusive,
    });
  }
};
