// The correction settings: EDIT_ON_REVISION and REVISION_QUIET_SECONDS, their defaults and the errors for bad values.
import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "../../../src/core/config.js";

const problems = (env: Record<string, string>) => {
  try {
    parseConfig(env);
  } catch (err) {
    return (err as ConfigError).problems;
  }
  return [];
};

describe("correction settings", () => {
  it("default to correcting delivered posts after 60 quiet seconds", () => {
    const config = parseConfig({});
    expect(config.EDIT_ON_REVISION).toBe(true);
    expect(config.REVISION_QUIET_SECONDS).toBe(60);
    expect(parseConfig({ EDIT_ON_REVISION: "false", REVISION_QUIET_SECONDS: "0" })).toMatchObject({ EDIT_ON_REVISION: false, REVISION_QUIET_SECONDS: 0 });
  });

  it("name the variable and the fix for a bad value", () => {
    expect(problems({ EDIT_ON_REVISION: "no" })).toEqual(['EDIT_ON_REVISION (got "no") use true or false']);
    expect(problems({ REVISION_QUIET_SECONDS: "-5" })).toEqual(['REVISION_QUIET_SECONDS (got "-5") use 0 or more seconds, like 60']);
    expect(problems({ REVISION_QUIET_SECONDS: "1.5" })).toEqual(['REVISION_QUIET_SECONDS (got "1.5") use a whole number of seconds like 60']);
    expect(problems({ REVISION_QUIET_SECONDS: "soon" })).toEqual(['REVISION_QUIET_SECONDS (got "soon") use a number of seconds like 60']);
  });
});
