// Admin scopes: operators act globally, a tenant only on what it owns, and a missing scope never grants global power.
import { describe, expect, it } from "vitest";
import { OPERATOR_SCOPE, scopeOf, scopeOwns, tenantScope } from "../../../src/core/safety/admin-scope.js";

describe("admin scope", () => {
  it("a tenant owns its own chat only", () => {
    const scope = tenantScope("telegram", "-100111");
    expect(scopeOwns(scope, { platform: "telegram", id: "-100111" })).toBe(true);
    expect(scopeOwns(scope, { platform: "telegram", id: "-100222" })).toBe(false);
    expect(scopeOwns(scope, { platform: "discord", id: "-100111" })).toBe(false);
    expect(scopeOwns(OPERATOR_SCOPE, { platform: "discord", id: "1" })).toBe(true);
  });

  it("without a scope from the adapter: the console is the operator, a chat admin owns only where it asked", () => {
    expect(scopeOf({ isAdmin: true, platform: "console" })).toBe(OPERATOR_SCOPE);
    const chat = scopeOf({ isAdmin: true, platform: "telegram", target: { platform: "telegram", id: "5" } });
    expect(chat?.kind).toBe("tenant");
    expect(scopeOwns(chat, { platform: "telegram", id: "5" })).toBe(true);
    expect(scopeOwns(chat, { platform: "telegram", id: "6" })).toBe(false);
    expect(scopeOwns(scopeOf({ isAdmin: true, platform: "discord" }), { platform: "discord", id: "" })).toBe(false);
    expect(scopeOf({ isAdmin: false, platform: "console", adminScope: OPERATOR_SCOPE })).toBeUndefined();
  });
});
