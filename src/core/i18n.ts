// UI strings in both locales (zh, en): every text a command answers with and every label a renderer prints.
import type { Locale } from "./config.js";

/**
 * The Chinese strings are the reference set: their keys are the `MessageKey` union, so a key missing in
 * English (or a typo at a call site) is a type error. Placeholders are `{name}`, filled by `t(…, params)`;
 * `{name|one|other}` picks a word by the number in `name` (English plurals: `{count|story|stories}`).
 */
const zh = {
  // Labels platform renderers need.
  "label.links": "相关链接",
  "label.alsoMatching": "其他匹配",
  "label.page": "第 {page}/{pageCount} 页",
  "label.section": "栏目",
  "label.date": "日期",
  "label.id": "编号",
  "label.fullStory": "全文",
  "label.next": "下一页",
  "label.previous": "上一页",
  "label.noResults": "没有结果",
  "label.stories": "{count} 条",
  "label.storiesOne": "{count} 条",
  "label.results": "“{query}”的搜索结果（共 {total} 条）",
  "label.resultsFilters": "筛选：{filters}",
  "label.digest": "AI 日报 · {date}",
  "label.sectionsOf": "{date} 日报的栏目",
  "label.sectionSummary": "{section} · {date}",
  "label.help": "可用命令",
  "label.adminOnly": "管理员",
  "label.status": "投递状态",
  "label.digestsLoaded": "已加载日报：{count} 期（最新 {latest}）",
  "label.noDigestsLoaded": "已加载日报：0 期",
  "label.target": "目标",
  "label.targets": "投递目标",
  "label.noTargets": "还没有投递目标。在频道里用 /subscribe 订阅。",
  "label.nextRun": "下次运行",
  "label.lastDelivery": "最近投递",
  "label.lastRevision": "最近更正",
  "label.revisionSummary": "{date} 第 {revision} 次修订（{at}）：改 {edited} 条、补发 {sent} 条、删 {deleted} 条、未变 {unchanged} 条",
  "label.revisionOpen": "，{open} 项待完成",
  "label.revisionFailed": "第 {part} 条消息未能更正（{operation}，消息 {messageId}）：{reason}",
  "label.never": "尚未投递",
  "label.possibleDuplicates": "可能重复：{count} 条（平台无法去重的重发，可能显示了两次）",
  "label.pendingRuns": "待发送的补发与手动投递（可用 digest-bot pending --cancel 取消）",
  "label.pendingRun": "{runId} · {kind} · {date} → {target} · 还剩 {open}/{parts} 条 · {at}",
  "label.delivery.sent": "已发送",
  "label.delivery.pending": "未发完，会自动重试",
  "label.delivery.failed": "失败",
  "label.delivery.skipped": "已跳过",
  "label.enabled": "启用",
  "label.disabled": "已停用",
  "label.reason": "原因",
  "label.schedule": "计划",
  "label.allSections": "全部栏目",
  "label.moreHint": "发送 {command} 查看下一页",
  "label.prevHint": "发送 {command} 查看上一页",
  "label.storyHint": "发送 /story {id} 查看全文",
  "label.error": "错误",
  "label.here": "本频道",
  // Errors: what was wrong, then (hint) what to try.
  "error.emptyQuery": "请输入要查找的内容。",
  "error.emptyQuery.hint": "例如：/{command} sonnet",
  "error.queryTooLong": "查询太长了（{length} 个字符，最多 {max} 个）。",
  "error.queryTooLong.hint": "换成几个关键词再试，例如：/{command} sonnet",
  "error.badDate": "看不懂日期“{input}”。",
  "error.notADay": "日历上没有“{input}”这一天。",
  "error.badDate.hint": "日期可以写成 2026-02-18、02-18、2/18、today（今天）或 yesterday（昨天）。",
  "error.unknownDate": "没有 {date} 的日报。",
  "error.unknownDate.hint": "已有的日期：{dates}",
  "error.noToday": "今天（{date}）的日报还没有发布。",
  "error.noToday.hint": "最新一期是 {latest}：发送 /digest {latest}",
  "error.unknownSection": "没有叫“{name}”的栏目。",
  "error.unknownSection.hint": "可选的栏目：{sections}（可以只写一部分，如 agent，或写序号 1）",
  "error.noMatch": "没有找到与“{query}”相关的报道。",
  "error.noMatch.hint": "换个关键词试试，或发送 /digest 浏览当天全部报道。",
  "error.noMatchFiltered.hint": "去掉栏目和日期再搜一次：/search {query}",
  "error.noMatchOnDate": "{date} 的日报里没有与“{query}”相关的报道。",
  "error.noMatchOnDate.hint": "去掉日期在全部日报里找：/{command} {query}",
  "error.unknownId": "没有编号为 {id} 的报道。",
  "error.unknownId.hint": "编号形如 20260218-glm-5-k3f9a 或 20260218-1-3；发送 /search 找到报道的编号。",
  "error.removedStory": "这条报道已从 {date} 的日报中删除。",
  "error.removedStory.hint": "它当时的标题是「{title}」；发送 /digest {date} 查看这一期现在的报道。",
  "error.noDigest": "还没有加载任何日报。",
  "error.noDigest.hint": "把日报 Markdown 文件放进 {dir} 目录，机器人会自动加载。",
  "error.badOption": "选项 {option} 不正确：{problem}",
  "error.badOption.hint": "用法：{usage}",
  "error.unknownCommand": "没有 /{name} 这个命令。",
  "error.unknownCommand.hint": "发送 /help 查看所有命令。",
  "error.notAdmin": "/{name} 只有管理员可以使用。",
  "error.notAdmin.hint": "请联系服务器或群组的管理员。",
  "error.operatorOnly": "{what} 会作用于所有订阅，只有机器人的运营者可以使用；群组和服务器管理员只能管理自己的订阅。",
  "error.operatorOnly.hint": "去掉 all 只发到这里；运营者是 TELEGRAM_ADMIN_IDS、DISCORD_ADMIN_IDS 里的用户和 Discord 应用的所有者。",
  "error.unavailable": "暂时无法完成：{what}",
  "error.unavailable.hint": "稍后再试；如果一直失败，请告诉管理员。",
  "error.deliveryRefused": "没能完成：{reason}",
  "error.searchExpired": "这个翻页按钮已经失效。",
  "error.searchExpired.hint": "机器人重启后，或搜索过去太久，翻页按钮就不能再用了；请重新发送 /search。",
  "error.internal": "出了点问题，没能完成这个命令，错误已记录。",
  "error.internal.hint": "稍后再试；如果一直失败，请告诉管理员。",
  "error.noTarget": "这个命令要在一个频道或群组里使用。",
  "error.noTarget.hint": "在要接收日报的频道里发送 /{command}。",
  "error.pagePastEnd": "只有 {pageCount} 页结果，没有第 {page} 页。",
  "error.pagePastEnd.hint": "发送 {command} 查看最后一页。",
  "error.unexpectedText": "/{name} 不需要“{text}”这段内容。",
  "error.unknownOption": "/{name} 没有 {option} 选项；用法：{usage}",
  // Option problems (inside error.badOption).
  "problem.required": "必须填写",
  "problem.tooShort": "至少 {min} 个字符",
  "problem.tooLong": "最多 {max} 个字符（现在 {length} 个）",
  "problem.notInteger": "要填整数，收到“{value}”",
  "problem.tooSmall": "最小是 {min}",
  "problem.tooLarge": "最大是 {max}",
  "problem.notBoolean": "要填 true 或 false，收到“{value}”",
  "problem.notString": "要填文字",
  "problem.unknownOption": "/{name} 没有这个选项",
  // Admin command results.
  "admin.reposted": "已重新发送 {date} 的日报{section}：{messages} 条消息，发往 {targets} 个目标。",
  "admin.repostedSection": "（栏目：{section}）",
  "admin.repostNoSubscriptions": "没有发出：没有启用的订阅。先在频道里用 /subscribe 订阅，或去掉 all 只发到这里。",
  "admin.repostPending": "{count} 个目标暂未发出，会自动重试：{errors}",
  "admin.subscribed": "已订阅：{target}将在每天定时收到日报（{sections}）。",
  "admin.subscribedSchedule": "计划：{cron}（{timezone}）",
  "error.badSchedule": "计划不正确：{problem}",
  "schedule.badCron": "“{cron}” 不是有效的 cron 表达式；请用五个字段，如 “0 9 * * *”（分 时 日 月 星期）",
  "schedule.ambiguousZone": "时区缩写 {zone} 有歧义；请用 IANA 名称，例如 {suggestion}",
  "schedule.unknownZone": "不认识时区 {zone}；请用 IANA 名称，例如 Asia/Shanghai 或 UTC",
  "error.badSchedule.hint": "例如：/subscribe cron:\"0 8 * * *\" timezone:Europe/Berlin（分 时 日 月 星期；时区用 IANA 名称）",
  "admin.unsubscribed": "已取消订阅：{target}不再接收日报。",
  "admin.notSubscribed": "{target}本来就没有订阅。",
  "admin.notSubscribed.hint": "发送 /subscribe 订阅。",
  // Delivery options (#13): /subscribe options and /status lines.
  "label.options": "选项：{options}",
  "option.silent": "静音",
  "option.pin": "置顶当天的日报",
  "option.mode": "{mode} 模式",
  "option.pingRole": "提醒身份组 {role}",
  "option.linkPreview": "首条链接预览",
  "option.keywords": "只含关键词 {keywords}",
  "label.pinFailed": "未能置顶：{reason}",
  "label.nothingMatched": "{date} 没有报道匹配关键词（{keywords}），当天没有发送",
  "error.optionPlatform": "选项 {option} 只适用于 {platform}，这里是 {here}。",
  "error.optionPlatform.hint": "去掉 {option}，或在 {platform} 里设置。",
  "error.badPostOption": "选项 {option} 不正确：{problem}",
  "error.badPostOption.hint": "例如：/subscribe silent:true pin:true keywords:\"agent, 安全\"（keywords:none 取消关键词）",
  "problem.mode": "要填 channel、thread 或 forum，收到“{value}”",
  "problem.role": "要填身份组 ID（如 123456789012345678）、<@&…> 提及或 none，收到“{value}”",
  "problem.keywords": "最多 {max} 个关键词，每个不超过 {length} 个字",
  "admin.repostUnmatched": "{targets}：没有报道匹配其关键词，没有发送。",
  // Console.
  "console.loaded": "已加载 {count} 期日报：{dates}",
  "console.loadedNone": "没有加载到日报（目录：{dir}）。",
  "console.stories": "{date}：{sections} 个栏目，{stories} 条报道",
  "console.problems": "有问题的文件：",
  "console.schedule": "定时投递：{target} 下次 {nextRun}（{cron}，{timezone}）",
  "console.scheduleNone": "定时投递：没有启用的投递目标。",
  "console.help": "输入命令，如 /story sonnet；发送 /help 查看所有命令，Ctrl+D 退出。",
  "console.notCommand": "命令以 / 开头，例如 /story sonnet；发送 /help 查看所有命令。",
  "console.post": "—— 投递到 {target}（{date}，第 {part} 部分）——",
  "console.bye": "再见。",
  "console.paths": "日报目录：{digestDir}；状态目录：{dataDir}",
  "console.reloaded": "已重新加载 {date} 的日报（{file}）",
  "console.removed": "{date} 的日报已移除（{file}）",
  "console.loadedOne": "已加载 {date} 的日报：{sections} 个栏目，{stories} 条报道（{file}）",
  "console.revised": "{date} 的日报已修订：{changed} 条改动，{added} 条新增，{removed} 条删除；现有 {sections} 个栏目，{stories} 条报道（{file}）",
  // Chats (Telegram private chats): text that is not a command.
  "chat.notCommand": "我只回应命令。试试 /story sonnet 看一条报道，/search agent 搜索，/digest 浏览最新一期；发送 /help 查看所有命令。",
  // Discord channel-native modes (issue 13, Discord side): /subscribe mode checked against the channel type.
  "error.discord.modeForum": "mode forum 只能用在论坛频道：在论坛的任意帖子里发送 /subscribe mode:forum 订阅整个论坛。",
  "error.discord.modeForum.hint": "在这个频道用 mode:channel（直接发在频道里）或 mode:thread（标题在频道里，栏目在当天的子区里）。",
  "error.discord.modeThread": "mode thread 需要文字频道或公告频道：子区里不能再开子区。",
  "error.discord.modeThread.hint": "在父频道里发送 /subscribe mode:thread，或在这里用 mode:channel。",
  "error.discord.modeInForum": "论坛频道只能用 mode forum：每天一个帖子。",
  "error.discord.modeInForum.hint": "发送 /subscribe mode:forum，或在文字频道里订阅。",
} as const satisfies Record<string, string>;

/** Every UI string key. */
export type MessageKey = keyof typeof zh;

const en: Record<MessageKey, string> = {
  "label.links": "Links",
  "label.alsoMatching": "Also matching",
  "label.page": "Page {page}/{pageCount}",
  "label.section": "Section",
  "label.date": "Date",
  "label.id": "ID",
  "label.fullStory": "Full story",
  "label.next": "Next",
  "label.previous": "Previous",
  "label.noResults": "No results",
  "label.stories": "{count} stories",
  "label.storiesOne": "{count} story",
  "label.results": "Results for “{query}” ({total} in all)",
  "label.resultsFilters": "Filters: {filters}",
  "label.digest": "AI digest · {date}",
  "label.sectionsOf": "Sections of the {date} digest",
  "label.sectionSummary": "{section} · {date}",
  "label.help": "Commands",
  "label.adminOnly": "admin",
  "label.status": "Delivery status",
  "label.digestsLoaded": "Digests loaded: {count} (latest {latest})",
  "label.noDigestsLoaded": "Digests loaded: 0",
  "label.target": "Target",
  "label.targets": "Delivery targets",
  "label.noTargets": "No delivery targets yet. Use /subscribe in a channel.",
  "label.nextRun": "Next run",
  "label.lastDelivery": "Last delivery",
  "label.lastRevision": "Last correction",
  "label.revisionSummary": "{date} revision {revision} ({at}): {edited} edited, {sent} sent, {deleted} deleted, {unchanged} unchanged",
  "label.revisionOpen": ", {open} still to do",
  "label.revisionFailed": "message {part} could not be corrected ({operation}, message {messageId}): {reason}",
  "label.never": "never delivered",
  "label.possibleDuplicates": "possible duplicates: {count} (re-sent where the platform cannot de-duplicate; each may show twice)",
  "label.pendingRuns": "Pending reposts and manual deliveries (cancel with digest-bot pending --cancel)",
  "label.pendingRun": "{runId} · {kind} · {date} → {target} · {open}/{parts} messages left · {at}",
  "label.delivery.sent": "sent",
  "label.delivery.pending": "pending, will be retried",
  "label.delivery.failed": "failed",
  "label.delivery.skipped": "skipped",
  "label.enabled": "enabled",
  "label.disabled": "disabled",
  "label.reason": "reason",
  "label.schedule": "Schedule",
  "label.allSections": "all sections",
  "label.moreHint": "Send {command} for the next page",
  "label.prevHint": "Send {command} for the previous page",
  "label.storyHint": "Send /story {id} for the full story",
  "label.error": "Error",
  "label.here": "this channel",
  "error.emptyQuery": "Please say what to look for.",
  "error.emptyQuery.hint": "For example: /{command} sonnet",
  "error.queryTooLong": "That query is too long ({length} characters, at most {max}).",
  "error.queryTooLong.hint": "Try a few keywords instead, for example: /{command} sonnet",
  "error.badDate": "I can't read the date “{input}”.",
  "error.notADay": "“{input}” is not a day of the calendar.",
  "error.badDate.hint": "Write dates as 2026-02-18, 02-18, 2/18, today or yesterday.",
  "error.unknownDate": "There is no digest for {date}.",
  "error.unknownDate.hint": "Dates available: {dates}",
  "error.noToday": "Today's digest ({date}) is not out yet.",
  "error.noToday.hint": "The latest is {latest}: send /digest {latest}",
  "error.unknownSection": "There is no section called “{name}”.",
  "error.unknownSection.hint": "Sections: {sections} (a part of the name such as agent, or a number like 1, works too)",
  "error.noMatch": "No story matches “{query}”.",
  "error.noMatch.hint": "Try other keywords, or send /digest to browse the day's stories.",
  "error.noMatchFiltered.hint": "Search without the section and date: /search {query}",
  "error.noMatchOnDate": "No story of the {date} digest matches “{query}”.",
  "error.noMatchOnDate.hint": "Search every digest without the date: /{command} {query}",
  "error.unknownId": "There is no story with the id {id}.",
  "error.unknownId.hint": "Ids look like 20260218-glm-5-k3f9a or 20260218-1-3; send /search to find a story's id.",
  "error.removedStory": "This story was removed from the {date} digest.",
  "error.removedStory.hint": "Its title was \u201c{title}\u201d; send /digest {date} to see that digest's stories now.",
  "error.noDigest": "No digest is loaded yet.",
  "error.noDigest.hint": "Put digest Markdown files into {dir}; the bot loads them automatically.",
  "error.badOption": "Option {option} is not valid: {problem}",
  "error.badOption.hint": "Usage: {usage}",
  "error.unknownCommand": "There is no /{name} command.",
  "error.unknownCommand.hint": "Send /help to see every command.",
  "error.notAdmin": "Only admins can use /{name}.",
  "error.notAdmin.hint": "Ask an admin of this server or group.",
  "error.operatorOnly": "{what} reaches every subscription, so only the bot's operators can use it; group and server admins manage their own subscriptions.",
  "error.operatorOnly.hint": "Drop all to post here; operators are the users in TELEGRAM_ADMIN_IDS or DISCORD_ADMIN_IDS and the Discord application's owner.",
  "error.unavailable": "Could not do that right now: {what}",
  "error.unavailable.hint": "Try again later; if it keeps failing, tell an admin.",
  "error.deliveryRefused": "Could not do that: {reason}",
  "error.searchExpired": "This page button no longer works.",
  "error.searchExpired.hint": "Page buttons stop working after the bot restarts or when the search is old; send /search again.",
  "error.internal": "Something went wrong running that command; the error was logged.",
  "error.internal.hint": "Try again later; if it keeps failing, tell an admin.",
  "error.noTarget": "This command works in a channel or group.",
  "error.noTarget.hint": "Send /{command} in the channel that should get the digest.",
  "error.pagePastEnd": "There {pageCount|is|are} only {pageCount} {pageCount|page|pages} of results, not {page}.",
  "error.pagePastEnd.hint": "Send {command} for the last page.",
  "error.unexpectedText": "/{name} does not take “{text}”.",
  "error.unknownOption": "/{name} has no {option} option; usage: {usage}",
  "problem.required": "it is required",
  "problem.tooShort": "use at least {min} characters",
  "problem.tooLong": "use at most {max} characters (got {length})",
  "problem.notInteger": "use a whole number, got “{value}”",
  "problem.tooSmall": "the smallest is {min}",
  "problem.tooLarge": "the largest is {max}",
  "problem.notBoolean": "use true or false, got “{value}”",
  "problem.notString": "use text",
  "problem.unknownOption": "/{name} has no such option",
  "admin.reposted": "Reposted the {date} digest{section}: {messages} {messages|message|messages} to {targets} {targets|target|targets}.",
  "admin.repostedSection": " (section: {section})",
  "admin.repostNoSubscriptions": "Nothing sent: there is no enabled subscription. Use /subscribe in a channel first, or drop all to post here.",
  "admin.repostPending": "{count} {count|target|targets} not sent yet, will be retried: {errors}",
  "admin.subscribed": "Subscribed: {target} gets the digest every day on schedule ({sections}).",
  "admin.subscribedSchedule": "Schedule: {cron} ({timezone})",
  "error.badSchedule": "That schedule does not work: {problem}",
  "schedule.badCron": "“{cron}” is not a valid cron expression; use five fields like “0 9 * * *” (minute hour day month weekday)",
  "schedule.ambiguousZone": "the time zone abbreviation {zone} is ambiguous; use an IANA name such as {suggestion}",
  "schedule.unknownZone": "{zone} is not a known time zone; use an IANA name such as Asia/Shanghai or UTC",
  "error.badSchedule.hint": "For example: /subscribe cron:\"0 8 * * *\" timezone:Europe/Berlin (minute hour day month weekday; an IANA time zone)",
  "admin.unsubscribed": "Unsubscribed: {target} no longer gets the digest.",
  "admin.notSubscribed": "Nothing to do: {target} was not subscribed.",
  "admin.notSubscribed.hint": "Send /subscribe to subscribe.",
  "label.options": "Options: {options}",
  "option.silent": "silent",
  "option.pin": "pins the day's header",
  "option.mode": "{mode} mode",
  "option.pingRole": "pings role {role}",
  "option.linkPreview": "lead link preview",
  "option.keywords": "only keywords {keywords}",
  "label.pinFailed": "not pinned: {reason}",
  "label.nothingMatched": "no story of {date} matched the keywords ({keywords}); nothing was sent that day",
  "error.optionPlatform": "The {option} option is for {platform} only; this is {here}.",
  "error.optionPlatform.hint": "Leave out {option}, or set it on {platform}.",
  "error.badPostOption": "The {option} option does not work: {problem}",
  "error.badPostOption.hint": "For example: /subscribe silent:true pin:true keywords:\"agent, 安全\" (keywords:none drops the keywords)",
  "problem.mode": "use channel, thread or forum, got “{value}”",
  "problem.role": "use a role id (like 123456789012345678), a <@&…> mention or none, got “{value}”",
  "problem.keywords": "use at most {max} keywords of at most {length} characters each",
  "admin.repostUnmatched": "{targets}: no story matches its keywords; nothing sent there.",
  "console.loaded": "Loaded {count} {count|digest|digests}: {dates}",
  "console.loadedNone": "No digest loaded (directory: {dir}).",
  "console.stories": "{date}: {sections} {sections|section|sections}, {stories} {stories|story|stories}",
  "console.problems": "Files with problems:",
  "console.schedule": "On schedule: {target} next at {nextRun} ({cron}, {timezone})",
  "console.scheduleNone": "On schedule: no enabled delivery target.",
  "console.help": "Type a command such as /story sonnet; /help lists every command, Ctrl+D quits.",
  "console.notCommand": "Commands start with /, for example /story sonnet; send /help to see every command.",
  "console.post": "—— post to {target} ({date}, part {part}) ——",
  "console.bye": "Bye.",
  "console.paths": "Digests: {digestDir}; state: {dataDir}",
  "console.reloaded": "Reloaded the {date} digest ({file})",
  "console.removed": "The {date} digest was removed ({file})",
  "console.loadedOne": "Loaded the {date} digest: {sections} sections, {stories} stories ({file})",
  "console.revised": "The {date} digest was revised: {changed} changed, {added} added, {removed} removed; now {sections} sections, {stories} stories ({file})",
  "chat.notCommand": "I answer commands. Try /story sonnet for a story, /search agent to search, /digest for the latest digest; send /help to see them all.",
  // Discord channel-native modes (issue 13, Discord side).
  "error.discord.modeForum": "mode forum works only in a forum channel: send /subscribe mode:forum in any post of the forum to subscribe the whole forum.",
  "error.discord.modeForum.hint": "Here use mode:channel (posts in the channel) or mode:thread (the header in the channel, the sections in a thread of the day).",
  "error.discord.modeThread": "mode thread needs a text or announcement channel: a thread cannot have threads of its own.",
  "error.discord.modeThread.hint": "Send /subscribe mode:thread in the parent channel, or use mode:channel here.",
  "error.discord.modeInForum": "A forum channel takes only mode forum: one post per day.",
  "error.discord.modeInForum.hint": "Send /subscribe mode:forum, or subscribe a text channel instead.",
};

const STRINGS: Record<Locale, Record<MessageKey, string>> = { zh, en };

export type MessageParams = Record<string, string | number>;

/**
 * A UI string in the given locale, with `{name}` placeholders filled.
 *
 * @example
 * t("en", "label.page", { page: 2, pageCount: 3 }); // "Page 2/3"
 * t("zh", "label.links");                          // "相关链接"
 * t("en", "console.loaded", { count: 1, dates: "2026-02-18" }); // "Loaded 1 digest: 2026-02-18"
 */
export function t(locale: Locale, key: MessageKey, params?: MessageParams): string {
  const template = STRINGS[locale][key];
  if (!params) return template;
  return template.replace(/\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}/g, (whole, name: string, one?: string, other?: string) => {
    if (one !== undefined && other !== undefined) return params[name] === undefined ? whole : Number(params[name]) === 1 ? one : other;
    const value = params[name];
    return value === undefined ? whole : String(value);
  });
}

/** Separator used to join list items in running text (`、` in Chinese, `, ` in English). */
export function listSeparator(locale: Locale): string {
  return locale === "zh" ? "、" : ", ";
}

/** "4 stories" / "1 story" / "4 条". */
export function storyCount(locale: Locale, count: number): string {
  return t(locale, count === 1 ? "label.storiesOne" : "label.stories", { count });
}

/** A delivery result (`TargetStatus.lastDelivery.status`: sent, pending, failed, skipped) in words; unknown ones as given. */
export function deliveryStatusLabel(locale: Locale, status: string): string {
  const key = `label.delivery.${status}`;
  return key in zh ? t(locale, key as MessageKey) : status;
}

/**
 * The last revision of a target in words: a summary line, then one line per part that could not be corrected.
 *
 * @example
 * revisionLines("en", rev); // ["2026-02-18 revision 2 (…): 1 edited, 0 sent, 0 deleted, 1 unchanged", "message 1 could not be corrected (edit, message 17): the message was deleted"]
 */
export function revisionLines(
  locale: Locale,
  rev: { date: string; revision: number; at: string; edited: number; sent: number; deleted: number; unchanged: number; open: number; failed: { part: number; operation: string; messageId?: string; reason: string }[] },
): string[] {
  const summary = t(locale, "label.revisionSummary", { date: rev.date, revision: rev.revision, at: rev.at, edited: rev.edited, sent: rev.sent, deleted: rev.deleted, unchanged: rev.unchanged }) + (rev.open > 0 ? t(locale, "label.revisionOpen", { open: rev.open }) : "");
  return [summary, ...rev.failed.map((f) => t(locale, "label.revisionFailed", { part: f.part, operation: f.operation, messageId: f.messageId ?? "?", reason: f.reason }))];
}

/** All keys, for tests that check both locales are complete and non-empty. */
export const MESSAGE_KEYS = Object.keys(zh) as MessageKey[];
