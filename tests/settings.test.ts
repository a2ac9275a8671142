/**
 * An installation's settings: every member reads them; only the account, the installer and the
 * organisation's owners change them, and each change says who made it. The stale threshold drives
 * the inbox's stale flags.
 */
import { expect, test } from "vitest";
import { api, internal } from "../convex/_generated/api";
import { DAY_MS } from "../convex/model/contribution";
import { orgWithPeople } from "./helpers/org";
import { signInAs } from "./helpers/convex";
import { pr } from "./helpers/records";

async function setup() {
  const org = await orgWithPeople();
  return { ...org, stranger: org.t.withIdentity(await signInAs(org.t, 4, "stranger")) };
}

test("members read the settings; only administrators change them, and the change is attributed", async () => {
  const { installationId, installer, owner, dev, stranger } = await setup();
  expect(await dev.query(api.settings.get, { installationId })).toEqual({
    staleAfterDays: 7,
    agreements: { pickupHours: 24, openDays: 14, maxChangedLines: 500, maxOpenRequests: 5 },
    updatedAt: null,
    updatedByLogin: null,
    canEdit: false,
  });
  expect((await owner.query(api.settings.get, { installationId }))!.canEdit).toBe(true);
  expect((await installer.query(api.settings.get, { installationId }))!.canEdit).toBe(true);
  expect(await stranger.query(api.settings.get, { installationId })).toBeNull();

  await expect(dev.mutation(api.settings.update, { installationId, staleAfterDays: 3 })).rejects.toThrow(
    /owners and the person who installed/,
  );
  await expect(stranger.mutation(api.settings.update, { installationId, staleAfterDays: 3 })).rejects.toThrow(
    /not found/,
  );
  await expect(owner.mutation(api.settings.update, { installationId, staleAfterDays: 0 })).rejects.toThrow(
    /from 1 to 365/,
  );
  await owner.mutation(api.settings.update, { installationId, staleAfterDays: 3 });
  expect(await dev.query(api.settings.get, { installationId })).toMatchObject({
    staleAfterDays: 3,
    updatedByLogin: "owner",
    canEdit: false,
  });
  await installer.mutation(api.settings.update, { installationId, staleAfterDays: 5 });
  expect(await dev.query(api.settings.get, { installationId })).toMatchObject({
    staleAfterDays: 5,
    updatedByLogin: "installer",
  });
});

test("the inbox's stale flag follows the installation's threshold", async () => {
  const { t, installationId, owner, dev } = await setup();
  const today = Date.UTC(2031, 0, 20) / DAY_MS;
  await t.mutation(internal.model.ingest.addRepositories, {
    installationId,
    repositories: [{ githubId: 100, name: "app", fullName: "acme/app", private: false }],
  });
  // dev's PR, drafted 4 days before `today`: the author's turn since it was opened.
  const opened = (today - 4) * DAY_MS;
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [
      {
        kind: "pullRequest",
        record: pr({
          repoGithubId: 100,
          githubId: 1,
          number: 1,
          authorLogin: "dev",
          draft: true,
          createdAt: opened,
          updatedAt: opened,
        }),
      },
    ],
  });
  const stale = async () => (await dev.query(api.dashboard.inbox.inbox, { installationId, today }))!.needsYou[0]!.stale;
  expect(await stale()).toBe(false);
  await owner.mutation(api.settings.update, { installationId, staleAfterDays: 3 });
  expect(await stale()).toBe(true);
});
