import { describe, expect, it } from 'vitest';
import { PagePlan } from '$lib/client/page-plan';
import type { PulledEntry } from '$lib/client/store/pulled';

const entries = (...ids: number[]): PulledEntry[] =>
  ids.map((commitId) => ({ atKey: `k${commitId}@alice`, value: 'v', metadata: {}, commitId, operation: '*' }));

describe('PagePlan', () => {
  it('asks for pages a window apart, up to the latest commit', () => {
    const plan = new PagePlan(-1, 60);
    const asked: number[] = [];
    while (plan.wantsPage) asked.push(plan.nextPage());
    expect(asked).toEqual([-1, 24, 49]);
  });

  it('settles a whole window with an empty page, but not past the latest commit', () => {
    const plan = new PagePlan(-1, 30);
    expect(plan.take(plan.nextPage(), [])).toEqual({ entries: [], watermark: 24 });
    expect(plan.take(plan.nextPage(), [])).toEqual({ entries: [], watermark: 30 });
    expect(plan.wantsPage).toBe(false);
  });

  it('settles up to the last entry when a page reaches past its window', () => {
    const plan = new PagePlan(-1, 500);
    const [first, second] = [plan.nextPage(), plan.nextPage()];
    expect(plan.take(first, entries(0, 100, 300))?.watermark).toBe(300);
    // Asked before the first came back: everything in it up to 300 is already taken.
    expect(plan.take(second, entries(100, 300, 310))).toEqual({ entries: entries(310), watermark: 310 });
    expect(plan.nextPage()).toBe(310);
  });

  it('resumes from the last entry of a short page and drops the pages asked after it', () => {
    const plan = new PagePlan(-1, 100);
    const asked = [plan.nextPage(), plan.nextPage(), plan.nextPage()];
    expect(plan.take(asked[0]!, entries(...Array.from({ length: 25 }, (_, i) => i)))?.watermark).toBe(24);
    expect(plan.take(asked[1]!, entries(25, 26))?.watermark).toBe(26);
    expect(plan.take(asked[2]!, entries(50, 51))).toBeUndefined();
    expect(plan.nextPage()).toBe(26);
  });

  it('stops paging when a page answers commits that do not come after its start', () => {
    const plan = new PagePlan(10, 100);
    expect(plan.take(plan.nextPage(), entries(3, 7))).toBeUndefined();
    expect(plan.wantsPage).toBe(false);
    expect(plan.watermark).toBe(10);
  });
});
