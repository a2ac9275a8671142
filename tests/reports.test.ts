/**
 * Saved reports (issue 25, item 4): a named view of the Analytics page or the pull request list, private
 * or shared, opened by its id (the URL's `?report=`), read by whoever opens it as they may read; sent
 * weekly to a Slack destination as a short summary (fake timers, a fake Slack in-process).
 */
import { ConvexError } from "convex/values";
import { afterEach, beforeEach, describe, expect, test, vi } from "vitest";
import { api, internal } from "../convex/_generated/api";
import type { Id } from "../convex/_generated/dataModel";
import { formatHours } from "../convex/messages";
import { DAY_MS, dayOf } from "../convex/model/contribution";
import type { AnyRecord } from "../convex/model/records";
import type { TestConvex } from "./helpers/convex";
import { upsertTeam } from "../convex/people/teams";
import { ORG, orgWithPeople } from "./helpers/org";
import { HOUR, pr, repo, review, T0 } from "./helpers/records";

/** Saturday 2026-10-03 09:00 UTC: two days after the pull requests below were merged. */
const NOW = T0 + 2 * DAY_MS - 3 * HOUR;
const TODAY = dayOf(NOW);

const OPEN = repo({ githubId: 601, name: "open" });
const VAULT = repo({ githubId: 603, name: "vault", private: true });
const SLACK_URL = "https://hooks.slack.com/services/T0001/B0002/r3p0rtT0kenXyZw";

type SlackCall = { at: number; text: string; link: string };

beforeEach(() => {
  vi.useFakeTimers({ now: NOW });
  vi.stubEnv("SITE_URL", "https://syncboard.example");
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllEnvs();
  vi.unstubAllGlobals();
});

/** A fake Slack: every POST answered 200 "ok", recorded with its text and the link of its block. */
function fakeSlack() {
  const calls: SlackCall[] = [];
  vi.stubGlobal("fetch", async (_url: string | URL, init?: RequestInit) => {
    const body = JSON.parse(String(init?.body)) as { text: string; blocks: Array<{ text: { text: string } }> };
    const link = /<([^|>]+)\|Open>/.exec(body.blocks[0]!.text.text)?.[1] ?? "";
    calls.push({ at: Date.now(), text: body.text, link });
    return new Response("ok", { status: 200 });
  });
  return calls;
}

/** `count` merged pull requests in a repository, each reviewed and deployed, by `author`. */
function merged(r: typeof OPEN, author: string, count: number, base: number): AnyRecord[] {
  return Array.from({ length: count }, (_, i): AnyRecord[] => {
    const number = base + i;
    const created = T0 - 3 * DAY_MS + i * HOUR;
    const head = `${r.name}${number}`.padEnd(40, "0");
    return [
      {
        kind: "pullRequest",
        record: pr({
          repoGithubId: r.githubId,
          githubId: r.githubId * 1_000 + number,
          number,
          title: `${r.name} change ${number}`,
          authorLogin: author,
          headSha: head,
          url: `${r.htmlUrl}/pull/${number}`,
          state: "merged",
          createdAt: created,
          updatedAt: created + 6 * HOUR,
          mergedAt: created + 6 * HOUR,
          closedAt: created + 6 * HOUR,
        }),
      },
      {
        kind: "review",
        record: review({
          repoGithubId: r.githubId,
          githubId: r.githubId * 1_000 + 500 + number,
          prNumber: number,
          authorLogin: "carol",
          submittedAt: created + 2 * HOUR,
          url: `${r.htmlUrl}/pull/${number}#review`,
        }),
      },
      {
        kind: "deployment",
        record: {
          githubId: r.githubId * 1_000 + 700 + number,
          repoGithubId: r.githubId,
          source: "deployment",
          environment: "production",
          sha: head,
          url: `${r.htmlUrl}/deployments/${number}`,
          createdAt: created + 7 * HOUR,
          updatedAt: created + 8 * HOUR,
          state: "success",
          succeededAt: created + 8 * HOUR,
        },
      },
    ];
  }).flat();
}

/** acme with a public repository (4 merged PRs, one open) and a private one the member "dev" may not read (6 merged, 2 open). */
async function organisation() {
  const org = await orgWithPeople();
  const { t, installationId } = org;
  await t.mutation(internal.model.ingest.addRepositories, { installationId, repositories: [OPEN, VAULT] });
  const open = (r: typeof OPEN, number: number, author: string): AnyRecord => ({
    kind: "pullRequest",
    record: pr({
      repoGithubId: r.githubId,
      githubId: r.githubId * 1_000 + number,
      number,
      title: `${r.name} open ${number}`,
      authorLogin: author,
      url: `${r.htmlUrl}/pull/${number}`,
      createdAt: T0 - DAY_MS,
      updatedAt: T0,
    }),
  });
  await t.mutation(internal.model.ingest.applyRecords, {
    installationId,
    records: [
      ...merged(OPEN, "alice", 4, 1),
      ...merged(VAULT, "ghost", 6, 1),
      open(OPEN, 90, "alice"),
      open(VAULT, 90, "ghost"),
      open(VAULT, 91, "ghost"),
    ],
  });
  await settle(t);
  const ids = await t.run(async (ctx) => {
    const byName = async (fullName: string) =>
      (await ctx.db
        .query("repositories")
        .withIndex("by_installation", (q) =>
          q.eq("installationId", installationId).eq("removed", false).eq("fullName", fullName),
        )
        .unique())!._id;
    return { open: await byName("acme/open"), vault: await byName("acme/vault") };
  });
  return { ...org, ids };
}

async function settle(t: TestConvex) {
  for (let i = 0; i < 6; i++) {
    await vi.advanceTimersByTimeAsync(1_000);
    await t.finishInProgressScheduledFunctions();
  }
}

/** What the Analytics page shows for a report's filters: the same queries, with the report's range. */
async function analyticsFigures(
  caller: ReturnType<TestConvex["withIdentity"]>,
  installationId: Id<"installations">,
  report: { filters: { days?: number; repositoryId?: Id<"repositories">; team?: string; author?: string } },
) {
  const { days = 30, ...filters } = report.filters;
  const range = { installationId, from: TODAY - days + 1, to: TODAY, ...filters };
  const { repositoryId } = filters;
  return {
    cycle: await caller.query(api.dashboard.analytics.cycleTime, range),
    dora: await caller.query(api.dashboard.dora.metrics, {
      installationId,
      from: range.from,
      to: range.to,
      ...(repositoryId && { repositoryId }),
    }),
  };
}

/** The error a call fails with, as `code` or `code: message` (or "ok"). */
const failure = async (p: Promise<unknown>, withMessage = false) => {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof ConvexError)) throw e;
    const { code, message } = e.data as { code: string; message: string };
    return withMessage ? `${code}: ${message}` : code;
  }
  return "ok";
};
const codeOf = (p: Promise<unknown>) => failure(p);

describe("saved reports", () => {
  test("a shared report reopens the same figures for another member; a restricted member sees only what they may read", async () => {
    const { installationId, owner, installer, dev, ids } = await organisation();
    const { reportId } = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "  Delivery, last 30 days ",
      shared: true,
      page: "analytics",
      filters: {},
      figures: ["dora", "cycle_time"],
    });

    // Opened by its id (the URL) by another member who reads everything: the same definition, the same figures.
    const asOwner = await owner.query(api.reports.saved.get, { installationId, reportId });
    const asInstaller = await installer.query(api.reports.saved.get, { installationId, reportId });
    expect(asOwner).toMatchObject({
      name: "Delivery, last 30 days",
      page: "analytics",
      filters: { days: 30 },
      figures: ["cycle_time", "dora"],
      shared: true,
      author: "owner",
      mine: true,
      canRemove: true,
    });
    expect({ ...asInstaller, mine: true }).toEqual(asOwner);
    const ownerFigures = await analyticsFigures(owner, installationId, asOwner!);
    expect(await analyticsFigures(installer, installationId, asInstaller!)).toEqual(ownerFigures);
    expect(ownerFigures.cycle!.totals.merged).toBe(10);
    expect(ownerFigures.dora!.deploymentFrequency.deployments).toBe(10);

    // The restricted member opens the same report and reads only the public repository's figures.
    const asDev = await dev.query(api.reports.saved.get, { installationId, reportId });
    expect(asDev).toMatchObject({ filters: { days: 30 }, mine: false, canRemove: false });
    const devFigures = await analyticsFigures(dev, installationId, asDev!);
    expect(devFigures.cycle!.totals.merged).toBe(4);
    expect(devFigures.dora!.deploymentFrequency.deployments).toBe(4);

    // A report about the private repository is not the member's to list or open: exactly like a missing one.
    const vaultReport = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Vault delivery",
      shared: true,
      page: "analytics",
      filters: { repositoryId: ids.vault, days: 7 },
    });
    const vaultList = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Vault queue",
      shared: true,
      page: "pulls",
      filters: { repository: "acme/vault", health: "red" },
    });
    const gone = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Gone",
      shared: true,
      page: "pulls",
      filters: {},
    });
    await owner.mutation(api.reports.saved.remove, { reportId: gone.reportId });
    expect((await owner.query(api.reports.saved.list, { installationId })).map((r) => r.name)).toEqual([
      "Delivery, last 30 days",
      "Vault delivery",
      "Vault queue",
    ]);
    expect((await dev.query(api.reports.saved.list, { installationId })).map((r) => r.name)).toEqual([
      "Delivery, last 30 days",
    ]);
    for (const id of [vaultReport.reportId, vaultList.reportId, gone.reportId]) {
      expect(await dev.query(api.reports.saved.get, { installationId, reportId: id })).toBeNull();
      expect(await codeOf(dev.mutation(api.reports.saved.remove, { reportId: id }))).toBe("report_not_found");
      expect(await codeOf(dev.mutation(api.reports.saved.update, { reportId: id, name: "x" }))).toBe(
        "report_not_found",
      );
    }
    // Nor may they save one about it.
    expect(
      await codeOf(
        dev.mutation(api.reports.saved.save, {
          installationId,
          name: "Peek",
          shared: false,
          page: "analytics",
          filters: { repositoryId: ids.vault },
        }),
      ),
    ).toBe("repository_not_found");
    // By name, a private repository's and a missing one's are saved alike (nothing tells them apart); the list is empty.
    for (const repository of ["acme/vault", "acme/nothing"]) {
      const { reportId: id } = await dev.mutation(api.reports.saved.save, {
        installationId,
        name: `Queue of ${repository}`,
        shared: false,
        page: "pulls",
        filters: { repository },
      });
      expect((await dev.query(api.reports.saved.get, { installationId, reportId: id }))!.filters.repository).toBe(
        repository,
      );
      const rows = await dev.query(api.dashboard.lists.pullRequests, {
        installationId,
        repository,
        paginationOpts: { numItems: 10, cursor: null },
      });
      expect(rows.page).toEqual([]);
    }
    // A shared list report of a repository that is gone (or never was): only who reads everything opens it.
    const renamed = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Old name",
      shared: true,
      page: "pulls",
      filters: { repository: "acme/old-vault", state: "closed", health: "red" },
    });
    expect(await dev.query(api.reports.saved.get, { installationId, reportId: renamed.reportId })).toBeNull();
    // A health is of open pull requests: the report keeps what the list shows.
    expect(
      (await installer.query(api.reports.saved.get, { installationId, reportId: renamed.reportId }))!.filters,
    ).toEqual({ repository: "acme/old-vault", state: "open", health: "red", sort: "updated" });
    // A URL's id that is no report's (another table's, or not an id) answers like a missing one.
    for (const id of ["not-an-id", ids.open])
      expect(await owner.query(api.reports.saved.get, { installationId, reportId: id })).toBeNull();
    // Another installation's id answers null too.
    const other = await orgWithPeople();
    expect(
      await other.owner.query(api.reports.saved.get, { installationId: other.installationId, reportId }),
    ).toBeNull();
  });

  test("a private report is its author's alone; the author renames and shares it; the author or an administrator removes it", async () => {
    const { installationId, owner, dev, ids } = await organisation();
    const { reportId } = await dev.mutation(api.reports.saved.save, {
      installationId,
      name: "My open PRs",
      shared: false,
      page: "pulls",
      filters: { author: "dev", repository: "acme/open", sort: "age" },
    });
    expect(await owner.query(api.reports.saved.get, { installationId, reportId })).toBeNull();
    expect(await owner.query(api.reports.saved.list, { installationId })).toEqual([]);
    expect(await codeOf(owner.mutation(api.reports.saved.remove, { reportId }))).toBe("report_not_found");
    expect((await dev.query(api.reports.saved.get, { installationId, reportId }))!.filters).toEqual({
      author: "dev",
      repository: "acme/open",
      sort: "age",
      state: "open",
    });

    // The author keeps another view as the report's (its figures stay).
    await dev.mutation(api.reports.saved.update, { reportId, filters: { author: "dev", sort: "age", state: "all" } });
    expect((await dev.query(api.reports.saved.get, { installationId, reportId }))!).toMatchObject({
      filters: { author: "dev", sort: "age", state: "all" },
      figures: ["pull_requests"],
    });
    expect(await codeOf(dev.mutation(api.reports.saved.update, { reportId, filters: { days: 7 } }))).toBe(
      "invalid_report",
    );
    await dev.mutation(api.reports.saved.update, { reportId, name: "Mine, oldest first", shared: true });
    expect(await owner.query(api.reports.saved.get, { installationId, reportId })).toMatchObject({
      name: "Mine, oldest first",
      author: "dev",
      mine: false,
      canRemove: true,
    });
    // Only the author changes it; a member removes only their own, an administrator any shared one.
    expect(await codeOf(owner.mutation(api.reports.saved.update, { reportId, name: "Ours" }))).toBe(
      "not_report_author",
    );
    const owners = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Owner's",
      shared: true,
      page: "analytics",
      filters: { repositoryId: ids.open },
    });
    expect(await codeOf(dev.mutation(api.reports.saved.remove, { reportId: owners.reportId }))).toBe(
      "not_report_remover",
    );
    await owner.mutation(api.reports.saved.remove, { reportId });
    expect(await dev.query(api.reports.saved.get, { installationId, reportId })).toBeNull();
  });

  test("bad definitions get a clear error and store nothing", async () => {
    const { t, installationId, dev } = await organisation();
    const save = (o: Record<string, unknown>) =>
      dev.mutation(api.reports.saved.save, {
        installationId,
        name: "R",
        shared: false,
        page: "analytics",
        filters: {},
        ...o,
      } as never);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ name: "   " }, "Name the report in 1 to 80 characters."],
      [{ name: "x".repeat(81) }, "Name the report in 1 to 80 characters."],
      [{ filters: { days: 14 } }, "days is one of 7, 30, 90, 365."],
      [{ filters: { reviewer: "dev" } }, 'The Analytics page has no filter "reviewer".'],
      [{ page: "pulls", filters: { days: 7 } }, 'The pull request list has no filter "days".'],
      [{ page: "pulls", filters: { repository: "not a repo" } }, "repository is a repository's full name, owner/name."],
      [{ page: "pulls", figures: ["dora"] }, 'The pull request list has no figure "dora".'],
      [{ filters: { author: "a".repeat(201) } }, 'The filter "author" is at most 200 characters.'],
      [{ figures: [] }, "Choose at least one figure."],
    ];
    for (const [args, message] of cases) expect(await failure(save(args), true)).toBe(`invalid_report: ${message}`);
    expect(await t.run((ctx) => ctx.db.query("savedReports").collect())).toEqual([]);
  });
});

describe("weekly Slack summaries", () => {
  test("one message per report per week, each Monday, with a link; nothing when there is nothing to say", async () => {
    const { t, installationId, owner, dev } = await organisation();
    const slack = fakeSlack();
    const destinationId = await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: SLACK_URL,
      label: "#eng",
    });
    const delivery = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Delivery",
      shared: true,
      page: "analytics",
      filters: { days: 30 },
    });
    const quiet = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Nobody's",
      shared: true,
      page: "analytics",
      // DORA is the installation's or a repository's (as on the Analytics page): only cycle time is a person's.
      filters: { author: "nobody" },
      figures: ["cycle_time"],
    });
    // The restricted member's list report: its summary says what its author may read (one open PR, not three).
    const queue = await dev.mutation(api.reports.saved.save, {
      installationId,
      name: "Open queue",
      shared: true,
      page: "pulls",
      filters: {},
    });
    const privateOne = await owner.mutation(api.reports.saved.save, {
      installationId,
      name: "Mine",
      shared: false,
      page: "analytics",
      filters: {},
    });
    // Administrators choose the destination, for shared reports only.
    expect(await codeOf(dev.mutation(api.reports.saved.setWeekly, { reportId: queue.reportId, destinationId }))).toBe(
      "not_admin",
    );
    expect(
      await codeOf(owner.mutation(api.reports.saved.setWeekly, { reportId: privateOne.reportId, destinationId })),
    ).toBe("report_not_shared");
    // A team's destination hears only of its repositories: a report (the author's figures) does not go there.
    await t.run((ctx) => upsertTeam(ctx.db, ORG, { githubId: 50, slug: "web", name: "Web" }, NOW));
    const teamDestination = await owner.mutation(api.notify.destinations.add, {
      installationId,
      url: "https://hooks.slack.com/services/T0001/B0003/t3amT0kenAbCdEf",
      label: "#team",
      teamSlug: "web",
    });
    expect(
      await codeOf(
        owner.mutation(api.reports.saved.setWeekly, { reportId: delivery.reportId, destinationId: teamDestination }),
      ),
    ).toBe("report_destination_of_team");
    for (const { reportId } of [delivery, quiet, queue])
      await owner.mutation(api.reports.saved.setWeekly, { reportId, destinationId });
    expect(await dev.query(api.reports.saved.get, { installationId, reportId: queue.reportId })).toMatchObject({
      weekly: { destinationId, label: "#eng" },
    });

    // Three weeks of the daily pass at 08:05 UTC, run twice a day (a pass run again sends nothing more).
    for (let day = 1; day <= 21; day++) {
      vi.setSystemTime(Math.floor(NOW / DAY_MS) * DAY_MS + day * DAY_MS + 8 * HOUR + 5 * 60_000);
      await t.mutation(internal.reports.weekly.sendWeekly, {});
      await t.mutation(internal.reports.weekly.sendWeekly, {});
      await settle(t);
    }
    const mondays = [5, 12, 19].map((d) => Date.UTC(2026, 9, d, 8, 5));
    const sentDays = (name: string) =>
      slack
        .filter((c) => c.text.includes(`“${name}”`))
        .map((c) => Math.floor(c.at / DAY_MS) * DAY_MS + 8 * HOUR + 5 * 60_000);
    expect(sentDays("Delivery")).toEqual(mondays);
    expect(sentDays("Open queue")).toEqual(mondays);
    expect(sentDays("Nobody's")).toEqual([]);
    expect(slack).toHaveLength(6);

    const [first] = slack.filter((c) => c.text.includes("“Delivery”"));
    expect(first!.text).toContain("Weekly report “Delivery” for acme (last 30 days)");
    // The figures the Analytics page shows the author for the same range, in the same words.
    const { cycle } = await analyticsFigures(owner, installationId, { filters: { days: 30 } });
    expect(first!.text).toContain(
      `• 10 pull requests merged; cycle time p50 ${formatHours(cycle!.totals.stages.cycle.p50Hours)} `,
    );
    expect(first!.text).toMatch(/• 10 successful deployments, [\d.]+ a week/);
    expect(first!.link).toBe(`https://syncboard.example/acme/reports?report=${delivery.reportId}`);
    const queueText = slack.find((c) => c.text.includes("“Open queue”"))!.text;
    expect(queueText).toContain("• 1 pull request");
    expect(queueText).not.toMatch(/vault|ghost/);

    // Stopping it, or unsharing it, stops the messages.
    await owner.mutation(api.reports.saved.setWeekly, { reportId: delivery.reportId, destinationId: null });
    await dev.mutation(api.reports.saved.update, { reportId: queue.reportId, shared: false });
    vi.setSystemTime(Date.UTC(2026, 9, 26, 8, 5));
    await t.mutation(internal.reports.weekly.sendWeekly, {});
    await settle(t);
    expect(slack).toHaveLength(6);
  });
});
