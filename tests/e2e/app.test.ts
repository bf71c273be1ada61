import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Browser, type BrowserContext, type Locator, type Page } from '@playwright/test';
import { strings } from '../../src/lib/ui/strings';
import { runAtstack, startAtstack, stopAtstack } from '../support/cli-process';
import { tempDir } from '../support/temp-dir';

const root = fileURLToPath(new URL('../..', import.meta.url));
const shots = join(root, 'tests/artifacts/screenshots');
const sizes = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };

/** The newest change to anything that goes into the built app. */
function newestSource(path: string): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(
    0,
    ...readdirSync(path)
      .filter((name) => name !== 'server')
      .map((name) => newestSource(join(path, name))),
  );
}

/** `npm run build` unless build/app is newer than the app's sources (the CLI's gateway serves build/app). */
function ensureFreshBuild(): void {
  const index = join(root, 'build/app/index.html');
  const sources = ['src', 'static', 'svelte.config.js'].map((p) => newestSource(join(root, p)));
  if (existsSync(index) && statSync(index).mtimeMs > Math.max(...sources)) return;
  execFileSync('npm', ['run', 'build'], { cwd: root, stdio: 'ignore' });
}

/** Screenshots of the screen as it is: what a phone shows (its tab bar is fixed), and the whole desktop page. */
async function shoot(page: Page, name: string): Promise<void> {
  const before = page.viewportSize();
  for (const [label, size] of Object.entries(sizes)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(shots, `${name}-${label}.png`), fullPage: label === 'desktop' });
  }
  if (before) await page.setViewportSize(before);
}

interface Created {
  atSign: string;
  cramSecret: string;
  activationLink: string;
}

interface Person {
  context: BrowserContext;
  page: Page;
  atSign: string;
  passphrase: string;
}

async function person(browser: Browser, atSign: string): Promise<Person> {
  const context = await browser.newContext({ viewport: sizes.desktop, acceptDownloads: true });
  const page = await context.newPage();
  return { context, page, atSign, passphrase: `${atSign.slice(1)} likes long passphrases` };
}

/** Chooses a passphrase for this browser and starts the activation; resolves on the backup step. */
async function choosePassphraseAndActivate({ page, passphrase }: Person, screens = false): Promise<void> {
  await page.getByRole('button', { name: strings.common.next }).click();
  await page.getByLabel(strings.passphrase.label, { exact: true }).fill(passphrase);
  await page.getByLabel(strings.passphrase.confirm).fill(passphrase);
  if (screens) await shoot(page, 'activate-passphrase');
  await page.getByRole('button', { name: strings.activate.start }).click();
  await expect(page.getByRole('heading', { name: strings.backup.title })).toBeVisible({ timeout: 60_000 });
}

/** Downloads the protected key backup into `folder` and finishes the activation; resolves with the file's path. */
async function backUp({ page, atSign, passphrase }: Person, folder: string, screens = false): Promise<string> {
  if (screens) await shoot(page, 'backup');
  await page.getByLabel(strings.backup.passphrase).fill(passphrase);
  const download = page.waitForEvent('download');
  await page.getByRole('button', { name: strings.backup.download }).click();
  const file = await download;
  expect(file.suggestedFilename()).toBe(`${atSign}_key.atKeys`);
  // A passphrase-protected .atKeys file is an envelope with an iv, not the keys in the clear.
  const envelope = JSON.parse(await readFile((await file.path())!, 'utf8')) as Record<string, unknown>;
  expect(envelope).toHaveProperty('iv');
  expect(JSON.stringify(envelope)).not.toContain('aesPkamPrivateKey');
  const saved = join(folder, file.suggestedFilename());
  await file.saveAs(saved);
  await page.getByLabel(strings.backup.confirm).check();
  await page.getByRole('button', { name: strings.backup.finish }).click();
  await expect(page.getByRole('heading', { name: strings.records.title })).toBeVisible();
  return saved;
}

/** Creates a record through the editor. */
async function createRecord(
  page: Page,
  record: { name: string; namespace: string; value: string; visibility: 'self' | 'public' },
): Promise<void> {
  await page.getByRole('button', { name: strings.records.new }).click();
  const editor = page.getByRole('dialog', { name: strings.editor.newTitle });
  await editor.getByLabel(strings.editor.name, { exact: true }).fill(record.name);
  await editor.getByLabel(strings.editor.namespace).fill(record.namespace);
  await editor.getByRole('radio', { name: new RegExp(strings.visibility[record.visibility]) }).check();
  await editor.getByLabel(strings.editor.value).fill(record.value);
  await editor.getByRole('button', { name: strings.common.save }).click();
  await expect(editor).toBeHidden();
}

const recordRow = (page: Page, name: string) =>
  page.getByRole('list', { name: strings.records.listLabel }).getByRole('button', { name: new RegExp(`^${name}`) });

/**
 * Goes to a screen the way a link in the app does (typing a hash into the address bar reloads the page in
 * SvelteKit's hash router, and a reload locks the keys).
 */
async function navigate(page: Page, path: string): Promise<void> {
  await page.evaluate((href) => {
    const link = Object.assign(document.createElement('a'), { href });
    document.body.append(link);
    link.click();
    link.remove();
  }, `#${path}`);
}

/** Drops a file on an element as a drag and drop from the desktop does. */
async function dropFile(page: Page, target: Locator, path: string): Promise<void> {
  const file = { name: basename(path), text: await readFile(path, 'utf8') };
  const dataTransfer = await page.evaluateHandle(({ name, text }) => {
    const transfer = new DataTransfer();
    transfer.items.add(new File([text], name, { type: 'application/json' }));
    return transfer;
  }, file);
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

async function unlock({ page, passphrase }: Person): Promise<void> {
  await expect(page.getByRole('heading', { name: strings.unlock.title })).toBeVisible();
  await page.getByLabel(strings.passphrase.label, { exact: true }).fill(passphrase);
  await page.getByRole('button', { name: strings.unlock.unlock }).click();
}

/**
 * The app as two people use it, in two browser contexts against the whole stack started from the CLI: both
 * activate (with the mandatory key backup), @alice keeps records, shares one with @bob, who sees it arrive
 * live, and revokes it; an edit made offline syncs after a reload once back online; lock and unlock.
 * Screenshots of each screen at phone and desktop sizes land in tests/artifacts/screenshots.
 */
test.describe('the app, for @alice and @bob', () => {
  test.describe.configure({ mode: 'serial' });

  let data: Awaited<ReturnType<typeof tempDir>>;
  let stack: ChildProcess;
  let app: string;
  const created: Record<string, Created> = {};
  let alice: Person;
  let bob: Person;
  let aliceBackup: string;
  let bobBackup: string;
  const violations: string[] = [];

  test.beforeAll(async ({ browser }) => {
    test.setTimeout(300_000);
    ensureFreshBuild();
    await mkdir(shots, { recursive: true });
    data = await tempDir();
    const started = await startAtstack([
      'start',
      '--data',
      data.path,
      '--directory-port',
      '0',
      '--atserver-port',
      '0',
      '--gateway-port',
      '0',
      '--json',
    ]);
    stack = started.child;
    app = (JSON.parse(started.firstLine) as { gateway: { url: string } }).gateway.url;
    for (const atSign of ['@alice', '@bob']) {
      const result = await runAtstack(['atsign', 'create', atSign, '--data', data.path, '--json']);
      expect(result.code).toBe(0);
      created[atSign] = JSON.parse(result.stdout) as Created;
    }
    alice = await person(browser, '@alice');
    bob = await person(browser, '@bob');
    for (const { page } of [alice, bob]) {
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) violations.push(message.text());
      });
    }
  });

  test.afterAll(async () => {
    await alice?.context.close();
    await bob?.context.close();
    if (stack) await stopAtstack(stack);
    await data?.remove();
  });

  test.afterEach(() => {
    expect(violations).toEqual([]);
  });

  test('@alice activates by pasting her CRAM secret and must back up her keys before going on', async () => {
    const { page } = alice;
    await page.goto(`${app}/`);
    await expect(page.getByRole('heading', { name: strings.start.title })).toBeVisible();
    await shoot(page, 'start');
    await page.getByRole('link', { name: new RegExp(strings.start.activateTitle) }).click();
    await page.getByLabel(strings.activate.atSign, { exact: true }).fill('@alice');
    await page.getByLabel(strings.activate.secret).fill(created['@alice']!.cramSecret);
    await shoot(page, 'activate-secret');
    await choosePassphraseAndActivate(alice, true);
    // The backup step cannot be skipped: the way to the data leads back to it, after a reload too.
    await page.getByRole('link', { name: strings.app.name }).click();
    await expect(page).toHaveURL(`${app}/#/backup`);
    await page.reload();
    await unlock(alice);
    await expect(page.getByRole('heading', { name: strings.backup.title })).toBeVisible();
    await expect(page.getByRole('button', { name: strings.backup.finish })).toBeDisabled();
    aliceBackup = await backUp(alice, data.path, true);
  });

  test('@bob activates from the activation link the CLI printed, which leaves no secret in the address bar', async () => {
    const { page } = bob;
    await page.goto(created['@bob']!.activationLink);
    await expect(page.getByLabel(strings.activate.atSign, { exact: true })).toHaveValue('@bob');
    await expect(page.getByLabel(strings.activate.secret)).toHaveValue(created['@bob']!.cramSecret);
    await expect(page).toHaveURL(`${app}/#/activate`);
    // No camera or no QR support here: the scanner says what to do instead.
    await page.getByRole('button', { name: strings.activate.scan }).click();
    await expect(page.getByRole('dialog', { name: strings.qr.title })).toContainText(
      new RegExp(`${escapeRegExp(strings.qr.unsupported)}|${escapeRegExp(strings.errors.cameraUnavailable)}`),
    );
    await page.keyboard.press('Escape');
    await choosePassphraseAndActivate(bob);
    bobBackup = await backUp(bob, data.path);
  });

  test('@alice creates records, each marked with its visibility, and finds them by search and filter', async () => {
    const { page } = alice;
    await expect(page.getByText(strings.records.empty)).toBeVisible();
    await shoot(page, 'records-empty');
    await createRecord(page, { name: 'phone', namespace: 'wavi', value: '+1-555-0100', visibility: 'self' });
    await createRecord(page, { name: 'name', namespace: 'wavi', value: 'Alice Liddell', visibility: 'public' });
    await createRecord(page, { name: 'city', namespace: 'travel', value: 'Oxford', visibility: 'self' });
    await expect(recordRow(page, 'phone')).toContainText(strings.visibility.self);
    await expect(recordRow(page, 'name')).toContainText(strings.visibility.public);
    await expect(page.getByText(strings.records.count(3, 3))).toBeVisible();

    await page.getByLabel(strings.filters.search).fill('oxford');
    await expect(page.getByText(strings.records.count(1, 3))).toBeVisible();
    await expect(recordRow(page, 'city')).toBeVisible();
    await page.getByLabel(strings.filters.search).fill('');
    await page.getByLabel(strings.visibility.label).selectOption('public');
    await expect(page.getByText(strings.records.count(1, 3))).toBeVisible();
    await expect(recordRow(page, 'name')).toBeVisible();
    await page.getByRole('button', { name: strings.filters.clear }).click();
    await expect(page.getByText(strings.records.count(3, 3))).toBeVisible();
    await shoot(page, 'records');

    await page.getByRole('button', { name: strings.records.new }).click();
    await shoot(page, 'record-editor');
    await page
      .getByRole('dialog', { name: strings.editor.newTitle })
      .getByRole('button', { name: strings.common.cancel })
      .click();
  });

  test('@alice shares a record with @bob in two clicks and @bob sees it arrive live, decrypted', async () => {
    await bob.page.getByRole('link', { name: strings.nav.inbox }).click();
    await expect(bob.page.getByRole('heading', { name: strings.inbox.title })).toBeVisible();

    const { page } = alice;
    await recordRow(page, 'phone').click();
    const detail = page.getByRole('dialog', { name: 'phone.wavi' });
    await expect(detail).toContainText(strings.record.notShared);
    await shoot(page, 'record-detail');
    await detail.getByRole('button', { name: strings.record.share }).click();
    const share = page.getByRole('dialog', { name: strings.share.title('phone') });
    await share.getByLabel(strings.share.with).fill('@bob');
    await shoot(page, 'share');
    await share.getByRole('button', { name: strings.share.share, exact: true }).click();
    await expect(page.getByRole('dialog', { name: 'phone.wavi' })).toContainText('@bob');
    await page.keyboard.press('Escape');
    await expect(recordRow(page, 'phone')).toContainText(strings.records.sharedWith(['@bob']));

    const inbox = bob.page.getByRole('list', { name: strings.inbox.listLabel });
    await expect(inbox).toContainText(strings.inbox.sharedWithYou('@alice', 'phone.wavi'), { timeout: 30_000 });
    await shoot(bob.page, 'inbox');
    await bob.page.getByRole('link', { name: strings.nav.shared }).click();
    await expect(recordRow(bob.page, 'phone')).toContainText('+1-555-0100');
    await expect(recordRow(bob.page, 'phone')).toContainText(strings.records.sharedBy('@alice'));
    await shoot(bob.page, 'shared-with-me');
  });

  test('@alice revokes the share and @bob no longer has the data', async () => {
    const { page } = alice;
    await recordRow(page, 'phone').click();
    const detail = page.getByRole('dialog', { name: 'phone.wavi' });
    await detail.getByRole('button', { name: strings.record.revokeWith('@bob') }).click();
    await expect(detail).toContainText(strings.record.notShared);
    await page.keyboard.press('Escape');

    await bob.page.getByRole('link', { name: strings.nav.inbox }).click();
    const inbox = bob.page.getByRole('list', { name: strings.inbox.listLabel });
    await expect(inbox).toContainText(strings.inbox.stoppedSharing('@alice', 'phone.wavi'), { timeout: 30_000 });
    await bob.page.getByRole('link', { name: strings.nav.shared }).click();
    await expect(bob.page.getByRole('heading', { name: strings.shared.title })).toBeVisible();
    await expect(recordRow(bob.page, 'phone')).toHaveCount(0);
  });

  test('@bob sends @alice a message, which reaches her inbox', async () => {
    await bob.page.getByRole('link', { name: strings.nav.inbox }).click();
    await bob.page.getByLabel(strings.inbox.to).fill('@alice');
    await bob.page.getByRole('textbox', { name: strings.inbox.text }).fill('Lunch at one?');
    await bob.page.getByRole('button', { name: strings.inbox.send }).click();
    await expect(bob.page.getByText(strings.inbox.sent('@alice'))).toBeVisible();

    await alice.page.getByRole('link', { name: strings.nav.inbox }).click();
    const inbox = alice.page.getByRole('list', { name: strings.inbox.listLabel });
    await expect(inbox).toContainText(strings.inbox.messageFrom('@bob'), { timeout: 30_000 });
    await expect(inbox).toContainText('Lunch at one?');
  });

  test('an edit made offline survives a reload and syncs once back online', async () => {
    const { page, context } = alice;
    await page.getByRole('link', { name: strings.nav.records }).click();
    await context.setOffline(true);
    await page.reload();
    // The keys left memory with the page; unlocking needs no network.
    await unlock(alice);
    await recordRow(page, 'city').click();
    await page.getByRole('dialog', { name: 'city.travel' }).getByRole('button', { name: strings.common.edit }).click();
    const editor = page.getByRole('dialog', { name: strings.editor.editTitle('city') });
    await editor.getByLabel(strings.editor.value).fill('Cambridge');
    await editor.getByRole('button', { name: strings.common.save }).click();
    await expect(page.getByRole('dialog', { name: 'city.travel' })).toContainText('Cambridge');
    await page.keyboard.press('Escape');
    await expect(recordRow(page, 'city')).toContainText(strings.records.pending);
    await expect(page.getByRole('status', { name: strings.sync.label })).toContainText(strings.sync.offline);
    await shoot(page, 'offline');

    await page.reload();
    await unlock(alice);
    await expect(recordRow(page, 'city')).toContainText('Cambridge');
    await expect(recordRow(page, 'city')).toContainText(strings.records.pending);

    await context.setOffline(false);
    await expect(page.getByRole('status', { name: strings.sync.label })).toHaveText(strings.sync.synced, {
      timeout: 60_000,
    });
    await expect(recordRow(page, 'city')).not.toContainText(strings.records.pending);
    await expect(recordRow(page, 'city')).toContainText('Cambridge');
  });

  test('@alice locks the app, a wrong passphrase is refused, the right one unlocks', async () => {
    const { page } = alice;
    await page.getByRole('button', { name: strings.header.lock }).click();
    await expect(page.getByRole('heading', { name: strings.unlock.title })).toBeVisible();
    await page.getByLabel(strings.passphrase.label, { exact: true }).fill('not my passphrase');
    await page.getByRole('button', { name: strings.unlock.unlock }).click();
    await expect(page.getByRole('alert').filter({ hasText: strings.errors.wrongPassphrase })).toBeVisible();
    await shoot(page, 'unlock');
    await page.getByLabel(strings.passphrase.label, { exact: true }).fill(alice.passphrase);
    await page.getByRole('button', { name: strings.unlock.unlock }).click();
    await expect(page.getByRole('heading', { name: strings.records.title })).toBeVisible();
  });

  test('backups import into another browser (dropped or picked), which then switches between both atSigns', async ({
    browser,
  }) => {
    const other = await person(browser, '@alice');
    const { page } = other;
    try {
      await page.goto(`${app}/`);
      await page.getByRole('link', { name: new RegExp(strings.start.importTitle) }).click();
      await dropFile(page, page.getByText(strings.importKeys.drop), aliceBackup);
      await expect(page.getByText(strings.importKeys.chosen('@alice_key.atKeys'))).toBeVisible();
      await page.getByLabel(strings.importKeys.filePassphrase).fill('not the passphrase');
      await page.getByLabel(strings.passphrase.label, { exact: true }).fill('a new passphrase here');
      await page.getByLabel(strings.passphrase.confirm).fill('a new passphrase here');
      await page.getByRole('button', { name: strings.importKeys.import }).click();
      await expect(page.getByRole('alert').filter({ hasText: strings.errors.wrongFilePassphrase })).toBeVisible();
      await shoot(page, 'import');
      await page.getByLabel(strings.importKeys.filePassphrase).fill(alice.passphrase);
      await page.getByRole('button', { name: strings.importKeys.import }).click();
      // A backup is a backup: no backup step, straight to the data, which syncs down from the atServer.
      await expect(page.getByRole('heading', { name: strings.records.title })).toBeVisible();
      await expect(recordRow(page, 'phone')).toContainText('+1-555-0100', { timeout: 30_000 });

      // A second atSign in the same browser, added from the switcher.
      const switcher = page.getByLabel(strings.header.switcher);
      await switcher.selectOption({ label: `${strings.header.addAtSign}…` });
      await expect(page.getByRole('heading', { name: strings.start.addTitle })).toBeVisible();
      await page.getByRole('link', { name: new RegExp(strings.start.importTitle) }).click();
      await page.getByLabel(strings.importKeys.choose).setInputFiles(bobBackup);
      await page.getByLabel(strings.importKeys.filePassphrase).fill(bob.passphrase);
      await page.getByLabel(strings.passphrase.label, { exact: true }).fill('a new passphrase here');
      await page.getByLabel(strings.passphrase.confirm).fill('a new passphrase here');
      await page.getByRole('button', { name: strings.importKeys.import }).click();
      await expect(page.getByText(strings.records.empty)).toBeVisible({ timeout: 30_000 });
      await expect(switcher).toHaveValue('@bob');
      await switcher.selectOption('@alice');
      await expect(recordRow(page, 'phone')).toContainText('+1-555-0100');

      await page.getByRole('link', { name: strings.nav.settings }).click();
      await page.getByRole('button', { name: strings.remove.button }).click();
      const remove = page.getByRole('dialog', { name: strings.remove.title('@alice') });
      await remove.getByLabel(strings.remove.confirm).check();
      await remove.getByRole('button', { name: strings.remove.remove, exact: true }).click();
      await expect(page.getByText(strings.remove.removed('@alice'))).toBeVisible();
      await expect(switcher.getByRole('option')).toHaveText(['@bob', `${strings.header.addAtSign}…`]);
    } finally {
      await other.context.close();
    }
  });

  test('the remaining screens: settings, conflicts, add another atSign', async () => {
    const { page } = alice;
    await page.getByRole('link', { name: strings.nav.settings }).click();
    await expect(page.getByRole('heading', { name: strings.settings.title })).toBeVisible();
    await shoot(page, 'settings');
    await page.getByRole('button', { name: strings.remove.button }).click();
    const remove = page.getByRole('dialog', { name: strings.remove.title('@alice') });
    await expect(remove.getByRole('button', { name: strings.remove.remove, exact: true })).toBeDisabled();
    await remove.getByLabel(strings.remove.confirm).check();
    await expect(remove.getByRole('button', { name: strings.remove.remove, exact: true })).toBeEnabled();
    await shoot(page, 'remove');
    await page.keyboard.press('Escape');
    await navigate(page, '/conflicts');
    await expect(page.getByText(strings.conflicts.empty)).toBeVisible();
    await shoot(page, 'conflicts');
    await navigate(page, '/start');
    await expect(page.getByRole('heading', { name: strings.start.addTitle })).toBeVisible();
    await shoot(page, 'add-atsign');
  });

  test("the protocol's own keys never show up as data or notifications", async () => {
    // Sharing sends @bob the shared key (`@bob:shared_key@alice`) through the atProtocol; that is plumbing.
    await bob.page.getByRole('link', { name: strings.nav.shared }).click();
    await expect(bob.page.getByText(strings.shared.empty)).toBeVisible();
    await bob.page.getByRole('link', { name: strings.nav.inbox }).click();
    await expect(bob.page.getByRole('list', { name: strings.inbox.listLabel })).not.toContainText('shared_key');
  });
});
