/**
 * The baseline: a dynamic provider for the same four kinds written the way most published examples
 * write one, for the benchmarks to compare against. Deliberately ordinary, not deliberately broken:
 *
 * - each provider object is a plain object literal handed to `pulumi.dynamic.Resource`, so Pulumi
 *   serializes it (and the module-level helpers it uses) by value into every resource's state;
 * - plain `fetch`, no retry, no concurrency cap, no timeout;
 * - create sends the object, then reads it back with a GET to fill the outputs; update likewise;
 * - refresh (`read`) is one GET per resource;
 * - `diff` compares each input with the old output of the same name as JSON;
 * - connection settings from the environment (VEZA_URL / VEZA_API_TOKEN), read inside the methods,
 *   so the token is not written into state (the common, correct habit).
 *
 * Same REST API and logical inputs as pulumi-veza's classes (a subset: what the workloads use).
 */
import * as pulumi from "@pulumi/pulumi";

// Not exported: an exported const would compile to `exports.x` and drag the module object into the closure.
async function veza(method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${process.env.VEZA_URL}/api/private/lifecycle_management/${path}`, {
    method,
    headers: { Authorization: `Bearer ${process.env.VEZA_API_TOKEN}`, "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Veza ${method} ${path.split("?")[0]} failed: ${res.status} ${text}`);
  const json = text ? JSON.parse(text) : {};
  return json.value ?? json;
}

function changed(olds: any, news: any): boolean {
  return Object.keys(news).some((k) => k !== "__provider" && JSON.stringify(news[k]) !== JSON.stringify(olds[k]));
}

const typeProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: any, news: any) {
    return { changes: changed(olds, news) };
  },
  async create(inputs: any) {
    const created = await veza("POST", "access_profiles_types", {
      name: inputs.name,
      description: inputs.description,
      allow_create_relationships: inputs.allowCreateRelationships ?? false,
      allow_inherit_entities: inputs.allowInheritEntities ?? false,
      allow_inherited_from_types: inputs.allowInheritedFromTypes ?? [],
    });
    const t = await veza("GET", `access_profiles_types/${created.id}`);
    return { id: t.id, outs: { ...inputs, createdAt: t.created_at, updatedAt: t.updated_at } };
  },
  async read(id: string, props: any) {
    const t = await veza("GET", `access_profiles_types/${id}`);
    return {
      id,
      props: {
        ...props,
        name: t.name,
        description: t.description,
        allowCreateRelationships: t.allow_create_relationships,
        allowInheritEntities: t.allow_inherit_entities,
        allowInheritedFromTypes: t.allow_inherited_from_types,
        updatedAt: t.updated_at,
      },
    };
  },
  async update(id: string, _olds: any, news: any) {
    const mask = "name,description,allow_create_relationships,allow_inherit_entities,allow_inherited_from_types";
    await veza("PATCH", `access_profiles_types/${id}?update_mask=${mask}`, {
      name: news.name,
      description: news.description,
      allow_create_relationships: news.allowCreateRelationships ?? false,
      allow_inherit_entities: news.allowInheritEntities ?? false,
      allow_inherited_from_types: news.allowInheritedFromTypes ?? [],
    });
    const t = await veza("GET", `access_profiles_types/${id}`);
    return { outs: { ...news, createdAt: t.created_at, updatedAt: t.updated_at } };
  },
  async delete(id: string) {
    await veza("DELETE", `access_profiles_types/${id}`);
  },
};

const profileProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: any, news: any) {
    return {
      changes: changed(olds, news),
      replaces: olds.profileType !== news.profileType ? ["profileType"] : [],
      deleteBeforeReplace: true,
    };
  },
  async create(inputs: any) {
    const created = await veza("POST", "access_profiles", {
      name: inputs.name,
      profile_type: inputs.profileType,
      description: inputs.description,
      labels: inputs.labels ?? [],
    });
    const p = await veza("GET", `access_profiles/${created.id}`);
    return {
      id: p.id,
      outs: { ...inputs, currentVersionNumber: p.current_version_number, createdAt: p.created_at, updatedAt: p.updated_at },
    };
  },
  async read(id: string, props: any) {
    const p = await veza("GET", `access_profiles/${id}`);
    return {
      id,
      props: {
        ...props,
        name: p.name,
        description: p.description,
        labels: p.labels,
        currentVersionNumber: p.current_version_number,
        updatedAt: p.updated_at,
      },
    };
  },
  async update(id: string, _olds: any, news: any) {
    await veza("PATCH", `access_profiles/${id}?update_mask=name,description,labels`, {
      name: news.name,
      description: news.description,
      labels: news.labels ?? [],
    });
    const p = await veza("GET", `access_profiles/${id}`);
    return { outs: { ...news, currentVersionNumber: p.current_version_number, createdAt: p.created_at, updatedAt: p.updated_at } };
  },
  async delete(id: string) {
    await veza("DELETE", `access_profiles/${id}`);
  },
};

function versionBody(inputs: any): any {
  return {
    entities_to_create_relationships_to: (inputs.entities ?? []).map((e: any) => ({
      entity_type: e.entityType,
      datasource_id: e.datasourceId,
      entity_id: e.entityId,
    })),
    inherit_entities_from_access_profiles: inputs.inheritFrom ?? [],
  };
}

const versionProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: any, news: any) {
    return { changes: changed(olds, news), replaces: olds.accessProfileId !== news.accessProfileId ? ["accessProfileId"] : [] };
  },
  async create(inputs: any) {
    const path = `access_profiles/${inputs.accessProfileId}/versions/${inputs.versionNumber}`;
    await veza(
      "PATCH",
      `${path}?update_mask=entities_to_create_relationships_to,inherit_entities_from_access_profiles`,
      versionBody(inputs),
    );
    const got = await veza("GET", `access_profiles/${inputs.accessProfileId}?version=${inputs.versionNumber}`);
    return { id: path.replace("access_profiles/", ""), outs: { ...inputs, updatedAt: got.updated_at ?? "" } };
  },
  async read(id: string, props: any) {
    const got = await veza("GET", `access_profiles/${props.accessProfileId}?version=${props.versionNumber}`);
    return { id, props: { ...props, updatedAt: got.updated_at ?? "" } };
  },
  async update(id: string, _olds: any, news: any) {
    await veza(
      "PATCH",
      `access_profiles/${id}?update_mask=entities_to_create_relationships_to,inherit_entities_from_access_profiles`,
      versionBody(news),
    );
    const got = await veza("GET", `access_profiles/${news.accessProfileId}?version=${news.versionNumber}`);
    return { outs: { ...news, updatedAt: got.updated_at ?? "" } };
  },
  async delete(id: string) {
    await veza(
      "PATCH",
      `access_profiles/${id}?update_mask=entities_to_create_relationships_to,inherit_entities_from_access_profiles`,
      versionBody({}),
    );
  },
};

async function members(profileId: string, version: number): Promise<string[]> {
  const res = await veza("GET", `access_profiles/${profileId}/versions/${version}/members`);
  return (res.values ?? []).map((m: any) => m.identity_id);
}

async function changeMembers(profileId: string, version: number, type: string, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await veza("PUT", `access_profiles/${profileId}/versions/${version}/members`, {
    access_profile_id: profileId,
    version_number: version,
    type,
    identity_ids: ids,
  });
}

const membershipProvider: pulumi.dynamic.ResourceProvider = {
  async diff(_id: string, olds: any, news: any) {
    return { changes: changed(olds, news), replaces: olds.accessProfileId !== news.accessProfileId ? ["accessProfileId"] : [] };
  },
  async create(inputs: any) {
    await changeMembers(inputs.accessProfileId, inputs.versionNumber, "ADD", inputs.identityIds);
    const now = await members(inputs.accessProfileId, inputs.versionNumber);
    return { id: `${inputs.accessProfileId}/versions/${inputs.versionNumber}/members`, outs: { ...inputs, members: now } };
  },
  async read(id: string, props: any) {
    const now = await members(props.accessProfileId, props.versionNumber);
    return { id, props: { ...props, members: now } };
  },
  async update(_id: string, olds: any, news: any) {
    await changeMembers(
      news.accessProfileId,
      news.versionNumber,
      "ADD",
      news.identityIds.filter((x: string) => !olds.identityIds.includes(x)),
    );
    await changeMembers(
      news.accessProfileId,
      news.versionNumber,
      "REMOVE",
      olds.identityIds.filter((x: string) => !news.identityIds.includes(x)),
    );
    const now = await members(news.accessProfileId, news.versionNumber);
    return { outs: { ...news, members: now } };
  },
  async delete(_id: string, props: any) {
    await changeMembers(props.accessProfileId, props.versionNumber, "REMOVE", props.identityIds);
  },
};

export class AccessProfileType extends pulumi.dynamic.Resource {
  declare readonly createdAt: pulumi.Output<string>;
  constructor(name: string, args: any, opts?: pulumi.CustomResourceOptions) {
    super(typeProvider, name, { name, ...args, createdAt: undefined, updatedAt: undefined }, opts);
  }
}

export class AccessProfile extends pulumi.dynamic.Resource {
  declare readonly currentVersionNumber: pulumi.Output<number>;
  constructor(name: string, args: any, opts?: pulumi.CustomResourceOptions) {
    super(profileProvider, name, { name, ...args, currentVersionNumber: undefined, createdAt: undefined, updatedAt: undefined }, opts);
  }
}

export class AccessProfileVersion extends pulumi.dynamic.Resource {
  constructor(name: string, args: any, opts?: pulumi.CustomResourceOptions) {
    super(versionProvider, name, { ...args, updatedAt: undefined }, opts);
  }
}

export class ProfileMembership extends pulumi.dynamic.Resource {
  declare readonly members: pulumi.Output<string[]>;
  constructor(name: string, args: any, opts?: pulumi.CustomResourceOptions) {
    super(membershipProvider, name, { ...args, members: undefined }, opts);
  }
}
