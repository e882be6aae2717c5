/**
 * Run by tests/dns_test.ts inside private mount and network namespaces, where
 * /etc/hosts and /etc/resolv.conf are the test's and the only DNS server is
 * tests/helpers/dns_server.py on 127.0.0.1:53. Evaluates the cases in the file
 * named by DNS_CASES with the sync functions and with their async twins, checks that
 * the event loop runs while a slow lookup is pending, and prints it all as JSON.
 */
import { readFileSync } from "node:fs";
import process from "node:process";
import { getaddrinfo_async } from "../../resolve.ts";
import { asyncTwins, type Case, outcome, outcomes, toJson } from "./dns_cases.ts";

const cases: Case[] = JSON.parse(readFileSync(process.env.DNS_CASES!, "utf8"));

const sync = await outcomes(cases);
const twins = [];
for (const c of cases) twins.push(c[0] in asyncTwins ? await outcome(c, "async") : null);

// A slow answer: timers keep firing while the lookup is pending on another thread.
let ticks = 0;
const timer = setInterval(() => ticks++, 10);
const started = Date.now();
const result = toJson(await getaddrinfo_async("slow.test", 80, 0, 1));
const elapsed = Date.now() - started;
clearInterval(timer);

console.log(JSON.stringify({ sync, async: twins, slow: { result, ticks, elapsed } }));
