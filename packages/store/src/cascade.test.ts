import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { Consumer, MtlsAuthCredential, PluginInstance } from "@tether/core";
import { backends } from "../../../test/helpers/backends.ts";

const CONSUMER = "11111111-1111-4111-8111-111111111111";

for (const backend of backends()) {
  describe(`cascades (${backend.name})`, () => {
    it("deleting a consumer deletes its plugins and mtls-auth credentials (Kong's on_delete = cascade)", async () => {
      const store = await backend.open();
      const consumer: Consumer = { id: CONSUMER, created_at: 1, updated_at: 1, tags: null, username: "c", custom_id: null };
      await store.daos.consumers.insert(consumer);
      // Written straight to the DAO: no bundled plugin may be consumer-scoped, but the schema allows it.
      const plugin: PluginInstance = {
        id: "22222222-2222-4222-8222-222222222222", created_at: 1, updated_at: 1, tags: null, name: "rate-limiting", instance_name: null,
        config: {}, enabled: true, protocols: ["http"], service: null, route: null, consumer: { id: CONSUMER }, consumer_group: null, ordering: null,
      };
      await store.daos.plugins.insert(plugin);
      const credential: MtlsAuthCredential = {
        id: "33333333-3333-4333-8333-333333333333", created_at: 1, tags: null, consumer: { id: CONSUMER }, subject_name: "c@example", ca_certificate: null,
      };
      await store.daos.mtls_auth_credentials.insert(credential);
      const version = await store.version();
      assert.equal(await store.daos.consumers.delete(CONSUMER), true);
      assert.equal((await store.daos.plugins.all()).length, 0);
      assert.equal((await store.daos.mtls_auth_credentials.all()).length, 0);
      assert.equal(await store.version(), version + 1, "one write, one new configuration version");
    });
  });
}
