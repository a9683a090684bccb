/**
 * A program run by both engines in the differential test (tests/real-cli/differential.test.ts):
 * the test engine calls it in-process, the real CLI through an index.js that requires this file.
 * Its shape follows `demo:*` stack config, so each step of the test is a config change.
 */
module.exports = function program(pulumi, veza) {
  const cfg = new pulumi.Config("demo");
  const labels = cfg.getObject("labels") || ["a"];
  const members = cfg.getObject("members") || ["alice"];
  const type = new veza.AccessProfileType("type", { name: "Profile", allowCreateRelationships: true, allowInheritEntities: true });
  const base = new veza.AccessProfile("base", { name: "Base", profileType: type.id, labels });
  new veza.AccessProfileVersion("base-v", {
    accessProfileId: base.id,
    entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-base" }],
  });
  const app = new veza.AccessProfile("app", { name: "App", profileType: type.id, description: cfg.get("appDescription") });
  new veza.AccessProfileVersion("app-v", {
    accessProfileId: app.id,
    inheritFrom: cfg.getBoolean("inherit") === false ? [] : [base.id],
    entities: [{ entityType: "SalesforceGroup", datasourceId: "sf-1", entityId: "g-app" }],
  });
  new veza.ProfileMembership("app-m", { accessProfileId: app.id, identityIds: members });
  if (cfg.getBoolean("extra")) {
    const extra = new veza.AccessProfile("extra", { name: "Extra", profileType: type.id });
    new veza.AccessProfileVersion("extra-v", { accessProfileId: extra.id, inheritFrom: [app.id] });
    new veza.ProfileMembership("extra-m", { accessProfileId: extra.id, identityIds: ["bob"], exclusive: true });
  }
  return { baseId: base.id, appVersion: app.currentVersionNumber };
};
