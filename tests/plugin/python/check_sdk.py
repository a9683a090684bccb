"""The generated Python SDK under PyPI's pulumi, with the SDK's mock runtime (no engine: the Python
language host is not available here). Prints what the SDK registered, as JSON."""
import json
import sys

import pulumi

sys.path.insert(0, sys.argv[1])
seen = []


class Mocks(pulumi.runtime.Mocks):
    def new_resource(self, args):
        seen.append({"type": args.typ, "name": args.name, "inputs": args.inputs})
        return [args.name + "-id", {**args.inputs, "currentVersionNumber": 1}]

    def call(self, args):
        seen.append({"function": args.token, "args": args.args})
        return {"integrations": ["SALESFORCE"]}


pulumi.runtime.set_mocks(Mocks(), preview=False)

import pulumi_veza as veza  # noqa: E402

tenant = veza.Provider("tenant-two", url="https://two.example", api_token=pulumi.Output.secret("t2"))
t = veza.AccessProfileType("type", name="Profile", allow_create_relationships=True)
base = veza.AccessProfile("base", name="Base", profile_type=t.id, labels=["a"], catalog_item_info=veza.CatalogItemInfoArgs(name="Base", recommended=True))
app = veza.AccessProfile("app", profile_type=t.id, opts=pulumi.ResourceOptions(provider=tenant))
v = veza.AccessProfileVersion("app-v", access_profile_id=app.id, inherit_from=[base.id],
                              entities=[veza.EntityArgs(entity_type="SalesforceGroup", datasource_id="sf-1", entity_id="g-app",
                                                        condition=veza.EntityConditionArgs(type="ATTRIBUTE", condition_string='department eq "Sales"'),
                                                        grant_by=2)])
m = veza.ProfileMembership("app-m", access_profile_id=app.id, version_number=app.current_version_number, identity_ids=["alice"])
integrations = veza.get_available_integrations()


@pulumi.runtime.test
def registered():
    return pulumi.Output.all(t.urn, base.urn, app.urn, v.urn, m.urn, m.version_number).apply(lambda _: None)


registered()
print(json.dumps({"seen": seen, "integrations": integrations.integrations}, default=str))
