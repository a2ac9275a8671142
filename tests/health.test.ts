import { describe, expect, test } from "vitest";
import { computeHealth, summarizeChecks, summarizeReviews, type HealthInput } from "../convex/model/health";

const ok: HealthInput = { checks: "passing", review: "approved", mergeable: "mergeable", draft: false };

describe("computeHealth (Ampel)", () => {
  test.each<[string, Partial<HealthInput>, string, string[]]>([
    ["all good", {}, "green", []],
    ["no checks configured, no review required", { checks: "none", review: "none" }, "green", []],
    ["a check failing", { checks: "failing" }, "red", ["checks_failing"]],
    ["changes requested", { review: "changes_requested" }, "red", ["changes_requested"]],
    ["merge conflict", { mergeable: "conflicting" }, "red", ["merge_conflict"]],
    ["red beats yellow", { checks: "failing", draft: true }, "red", ["checks_failing"]],
    [
      "every red reason listed",
      { checks: "failing", review: "changes_requested", mergeable: "conflicting" },
      "red",
      ["checks_failing", "changes_requested", "merge_conflict"],
    ],
    ["checks pending", { checks: "pending" }, "yellow", ["checks_pending"]],
    ["review pending", { review: "review_required" }, "yellow", ["review_required"]],
    ["draft", { draft: true }, "yellow", ["draft"]],
    ["mergeability unknown", { mergeable: "unknown" }, "yellow", ["mergeability_unknown"]],
    ["several yellow reasons", { checks: "pending", draft: true }, "yellow", ["checks_pending", "draft"]],
  ])("%s", (_name, input, health, reasons) => {
    expect(computeHealth({ ...ok, ...input })).toEqual({ health, reasons });
  });
});

describe("summarizeChecks", () => {
  test.each([
    [[], "none", []],
    [[{ name: "b", state: "success" }], "passing", []],
    [
      [
        { name: "b", state: "success" },
        { name: "lint", state: "pending" },
      ],
      "pending",
      [],
    ],
    [
      [
        { name: "z", state: "failure" },
        { name: "lint", state: "pending" },
        { name: "a", state: "failure" },
      ],
      "failing",
      ["a", "z"],
    ],
  ] as const)("%j → %s", (results, checks, failing) => {
    expect(summarizeChecks([...results])).toEqual({ checks, failing });
  });
});

describe("summarizeReviews", () => {
  const r = (
    authorLogin: string,
    state: "approved" | "changes_requested" | "commented" | "dismissed" | "pending",
    at?: number,
    githubId = at ?? 0,
  ) => ({
    authorLogin,
    state,
    submittedAt: at,
    githubId,
  });
  test("no reviews, nobody requested → none", () => {
    expect(summarizeReviews([], 0, "me")).toEqual({ review: "none" });
  });
  test("reviewers requested, none yet → review_required", () => {
    expect(summarizeReviews([], 2, "me")).toEqual({ review: "review_required" });
  });
  test("a later approval by the same reviewer clears their change request", () => {
    expect(summarizeReviews([r("a", "changes_requested", 1), r("a", "approved", 2)], 0, "me").review).toBe("approved");
  });
  test("one reviewer's change request outweighs another's approval", () => {
    expect(summarizeReviews([r("a", "approved", 1), r("b", "changes_requested", 2)], 0, "me").review).toBe(
      "changes_requested",
    );
  });
  test("a comment does not change a reviewer's verdict but counts as the first review", () => {
    expect(summarizeReviews([r("a", "commented", 5), r("a", "approved", 9)], 1, "me")).toEqual({
      review: "approved",
      firstReviewAt: 5,
    });
  });
  test("a dismissed change request no longer blocks", () => {
    expect(summarizeReviews([r("a", "changes_requested", 1), r("a", "dismissed", 3)], 1, "me").review).toBe(
      "review_required",
    );
  });
  test("pending reviews and the author's own reviews are ignored", () => {
    expect(summarizeReviews([r("a", "pending"), r("me", "approved", 4)], 0, "me")).toEqual({ review: "none" });
  });
  test("arrival order does not matter", () => {
    const reviews = [r("a", "approved", 7), r("a", "changes_requested", 3), r("b", "commented", 1)];
    expect(summarizeReviews(reviews, 0, "me")).toEqual(summarizeReviews([...reviews].reverse(), 0, "me"));
  });
});
