// The scenario in a real browser (Debian chromium, headless, playwright-core):
// a citizen submits and tracks a case on a phone; an agent takes a phone contact that the rules
// send to 12319; the dispatcher dispatches it; the 12319 handler signs and answers; the citizen
// rates it; a line admin edits a rule, simulates and publishes it; the city office's dashboard
// counts the case. Every page visited leaves a PNG in OUT. Exits non-zero on the first failure.
import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";

const BASE = process.env.BASE;
const PASSWORD = process.env.PASSWORD;
const OUT = process.env.OUT;
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
mkdirSync(OUT, { recursive: true });

const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ["--no-sandbox"] });
const office = { viewport: { width: 1366, height: 768 }, locale: "zh-CN", timezoneId: "Asia/Shanghai" };
const phone = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, locale: "zh-CN" };
let shots = 0;
const problems = [];
// Every page opened, so a failure leaves a picture of each (what the reviewer needs first).
const opened = [];

async function shot(page, name) {
  shots += 1;
  // caret: "initial" — Playwright's caret-hiding style would be refused by the page's CSP.
  await page.screenshot({ path: `${OUT}/${String(shots).padStart(2, "0")}-${name}.png`, fullPage: true, caret: "initial" });
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  console.log(`ok - ${what}`);
}

// No page may show a raw JSON error or a phone number in clear.
async function clean(page, what) {
  const text = await page.locator("body").innerText();
  check(!/\{"code"|"message":/.test(text), `${what}: no raw JSON`);
  check(!/1[3-9]\d{9}/.test(text), `${what}: no phone number in clear`);
}

async function signIn(ctx, user) {
  const page = await ctx.newPage();
  opened.push([user, page]);
  page.on("console", (m) => {
    // A refused form answers 4xx on purpose (its words replace the form); anything else is a fault.
    if (m.type() === "error" && !/status of 4\d\d/.test(m.text())) problems.push(`${user}: ${m.text()}`);
  });
  await page.goto(`${BASE}/console/login`);
  await page.fill("input[name=username]", user);
  await page.fill("input[name=password]", PASSWORD);
  await Promise.all([page.waitForURL(`${BASE}/console`), page.click("button[type=submit]")]);
  return page;
}

try {
  // 1. A citizen submits on a phone and gets a tracking number.
  const citizenCtx = await browser.newContext(phone);
  const citizen = await citizenCtx.newPage();
  opened.push(["citizen", citizen]);
  await citizen.goto(`${BASE}/`);
  await shot(citizen, "portal-submit-phone");
  await citizen.selectOption("select[name=contact_type]", "complaint");
  await citizen.fill("input[name=title]", "垃圾无人清运");
  await citizen.fill("textarea[name=description]", "鼓楼区东街口的垃圾桶满了一周无人清运，气味很大。");
  await citizen.fill("input[name=address]", "鼓楼区东街口");
  await citizen.fill("input[name=district]", "鼓楼区");
  await citizen.fill("input[name=lat]", "26.0745");
  await citizen.fill("input[name=long]", "119.2965");
  await citizen.fill("input[name=caller_name]", "张三");
  await citizen.fill("input[name=caller_phone]", "12");
  await citizen.click("button[type=submit]");
  await citizen.locator("label.field.invalid").first().waitFor();
  await shot(citizen, "portal-field-error");
  check(await citizen.locator("text=电话号码格式不正确").count() > 0, "portal: a wrong phone is shown beside its field");
  await citizen.fill("input[name=caller_phone]", "13800138000");
  await citizen.click("button[type=submit]");
  const tracking = (await citizen.locator("[data-tracking]").getAttribute("data-tracking")) || "";
  check(tracking.length > 5, `portal: tracking number ${tracking}`);
  await shot(citizen, "portal-received");
  await clean(citizen, "portal receipt");
  await citizen.goto(`${BASE}/track?n=${encodeURIComponent(tracking)}&d=8000`);
  await shot(citizen, "portal-track");
  check(await citizen.locator(".badge.status-received, .badge.status-accepted").count() > 0, "portal: the case is tracked");
  await clean(citizen, "portal tracking");

  // 2. An agent takes a phone contact; the assistant shows the rules sending it to 12319.
  const agentCtx = await browser.newContext(office);
  const agent = await signIn(agentCtx, "agent");
  await shot(agent, "console-home-agent");
  await agent.goto(`${BASE}/console/desk`);
  await agent.selectOption("select[name=channel]", "phone");
  await agent.fill("input[name=caller_name]", "李四");
  await agent.fill("input[name=caller_phone]", "13912345678");
  await agent.fill("input[name=title]", "占道经营");
  await agent.fill("input[name=address]", "鼓楼区五四路");
  await agent.fill("input[name=district]", "鼓楼区");
  await agent.locator("textarea[name=description]").pressSequentially("小区门口有流动摊贩占道经营，垃圾乱扔，影响通行。");
  await agent.locator('#routing [data-lines*="12319"]').waitFor();
  await shot(agent, "desk-assistant");
  await agent.click("#desk-form button[type=submit]");
  const deskTracking = await agent.locator("#desk-form [data-tracking]").getAttribute("data-tracking");
  check((await agent.locator("#routed").innerText()).includes("12319"), `desk: ${deskTracking} routed to 12319`);
  await shot(agent, "desk-saved");
  await agent.click("text=直接答复、并单、转紧急线路或派单");
  await agent.waitForURL(/\/console\/cases\//);
  const caseUrl = agent.url();
  await shot(agent, "case-agent");
  await clean(agent, "case page (agent)");

  // 3. The dispatcher accepts and dispatches it to a 12319 unit.
  const dispatcher = await signIn(await browser.newContext(office), "dispatcher");
  await dispatcher.goto(caseUrl);
  await dispatcher.locator('form[hx-post$="/step/accept"] button').click();
  await dispatcher.locator("#status .badge.status-accepted").waitFor();
  await dispatcher.selectOption('form[hx-post$="/step/dispatch"] select[name=lead_unit_id]', { label: "12319 · 市容环境卫生处" });
  await dispatcher.locator('form[hx-post$="/step/dispatch"] button').click();
  await dispatcher.locator("#status .badge.status-dispatched").waitFor();
  await shot(dispatcher, "case-dispatched");
  check(true, "dispatch: the case waits for the 12319 unit");

  // 4. The 12319 handler signs and answers from the inbox.
  const handler = await signIn(await browser.newContext(office), "handler_12319");
  await handler.goto(`${BASE}/console/inbox`);
  await shot(handler, "inbox-to-sign");
  await handler.click(`text=${deskTracking}`);
  await handler.locator('form[hx-post$="/step/sign"] button').click();
  await handler.locator("#status .badge.status-signed").waitFor();
  await handler.fill('form[hx-post$="/step/feedback"] textarea[name=text]', "已劝离摊贩并清理垃圾，已回复市民。");
  await handler.locator('form[hx-post$="/step/feedback"] button').click();
  await handler.locator("#status .badge.status-feedback_given").waitFor();
  await shot(handler, "case-answered");
  await clean(handler, "case page (handler)");
  check(true, "handler: signed and answered");

  // 5. The citizen's own case is answered the same way, then rated once.
  // This time from the dispatcher's queue: the rules named the unit, one click sends it.
  await dispatcher.goto(`${BASE}/console/cases?q=${encodeURIComponent(tracking)}`);
  await dispatcher.waitForURL(/\/console\/cases\/[0-9a-f-]{36}$/);
  const citizenCase = dispatcher.url().split("/").pop();
  await dispatcher.goto(`${BASE}/console/dispatch`);
  const queued = dispatcher.locator(`#row-${citizenCase}`);
  check((await queued.innerText()).includes("市容环境卫生处"), "dispatch queue: the rules' unit is shown");
  await shot(dispatcher, "dispatch-queue");
  await clean(dispatcher, "dispatch queue");
  await queued.locator("button", { hasText: "按规则派单" }).click();
  await dispatcher.locator(`#row-${citizenCase} .badge.status-dispatched`).waitFor();
  check(true, "dispatch queue: sent as the rules say");
  await dispatcher.goto(`${BASE}/console/dispatch?tab=3`);
  check(await dispatcher.locator(`#row-${citizenCase}`).count() === 1, "lead units: the open case is listed");
  await shot(dispatcher, "dispatch-leads");
  await handler.goto(`${BASE}/console/cases/${citizenCase}`);
  await handler.locator('form[hx-post$="/step/sign"] button').click();
  await handler.locator("#status .badge.status-signed").waitFor();
  await handler.fill('form[hx-post$="/step/feedback"] textarea[name=text]', "垃圾已清运，垃圾桶已清洗。");
  await handler.locator('form[hx-post$="/step/feedback"] button').click();
  await handler.locator("#status .badge.status-feedback_given").waitFor();
  await citizen.goto(`${BASE}/track?n=${encodeURIComponent(tracking)}&d=8000`);
  await citizen.selectOption("select[name=rating]", "very_satisfied");
  await citizen.check("input[name=no_return_visit]");
  await citizen.click("#rate button[type=submit]");
  await citizen.locator("#case dd", { hasText: "非常满意" }).waitFor();
  check(await citizen.locator("select[name=rating]").count() === 0, "citizen: rated once, no second form");
  await shot(citizen, "portal-rated");

  // 6. English on request.
  await agent.goto(`${BASE}/console`);
  await agent.click("a.lang");
  await agent.locator("html[lang=en]").waitFor();
  check((await agent.locator("nav.main").innerText()).includes("Agent desk"), "English switch");
  await shot(agent, "console-home-english");

  // 7. The 12319 line admin edits a rule, simulates a sample case and publishes it.
  const admin = await signIn(await browser.newContext(office), "admin_12319");
  await admin.goto(`${BASE}/console/admin`);
  await admin.waitForURL(/\/console\/admin\/12319\/rules/);
  await shot(admin, "admin-rules");
  await Promise.all([admin.waitForURL(/\/rules\/[0-9a-f-]{36}$/), admin.click("#new-draft-button")]);
  const editor = admin.locator("textarea#rules-text");
  const published = await editor.inputValue();
  await editor.fill(published.replace(/\]\s*$/, ",]"));
  await admin.click("#save-draft");
  await admin.locator("#rules-problem.editor-error[data-line]").waitFor();
  check(await editor.inputValue() !== published, "rules: a syntax error is named beside the editor, the text kept");
  await shot(admin, "admin-rule-syntax-error");
  const roads = await admin.locator("#unit-legend tr", { hasText: "市政设施管理处" }).getAttribute("data-unit");
  const rules = JSON.parse(published);
  rules.unshift({
    name: "井盖缺失从速", event: "case_received", priority: 90, conditions: { kw: ["井盖"] },
    actions: [{ type: "route_to_unit", unit: roads }, { type: "set_urgency", urgency: "emergency" }], stop: true,
  });
  await editor.fill(JSON.stringify(rules, null, 2));
  await admin.click("#save-draft");
  await admin.locator("#rules-saved").waitFor();
  await admin.fill("#simulate-form textarea[name=description]", "人行道上的井盖丢失了，晚上很危险。");
  await admin.click("#simulate-button");
  await admin.locator("#decision").waitFor();
  check((await admin.locator("#decision-lead").innerText()).includes("市政设施管理处"), "rules: the simulation sends it to the roads office");
  check(await admin.locator('table.trace tr[data-rule="井盖缺失从速"][data-matched="true"]').count() === 1, "rules: the trace shows the new rule firing");
  await shot(admin, "admin-rule-simulated");
  await Promise.all([admin.waitForURL(/\/console\/admin\/12319\/rules$/), admin.click("#publish-button")]);
  check(await admin.locator('table#rule-versions tr[data-status="published"]').count() === 1, "rules: the edited version is published");
  await shot(admin, "admin-rule-published");
  for (const tab of ["units", "users", "calendar", "knowledge", "keys"]) {
    await admin.goto(`${BASE}/console/admin/12319/${tab}`);
    await admin.locator(`#admin-main[data-tab="${tab}"]`).waitFor();
    await clean(admin, `admin ${tab}`);
    await shot(admin, `admin-${tab}`);
  }

  await extraSteps({ browser, office, signIn, shot, check, clean, BASE, deskTracking });

  if (problems.length) throw new Error(`browser console errors:\n${problems.join("\n")}`);
  console.log(`console walk: all checks passed, ${shots} screenshots in ${OUT}`);
} catch (e) {
  console.error(`console walk FAILED: ${e.message}`);
  for (const [who, page] of opened) {
    await page.screenshot({ path: `${OUT}/failed-${who}.png`, fullPage: true }).catch(() => {});
    console.error(`  ${who} was at ${page.url()}`);
  }
  process.exitCode = 1;
} finally {
  await browser.close();
}

// The line admin's rule edit and the city dashboard (added as those pages land).
async function extraSteps() {}
