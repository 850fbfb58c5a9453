import { describe, expect, it } from "vitest";
import { clientAddressKey, unknownAddress } from "./client-address.js";

describe("clientAddressKey", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    [" 203.0.113.7 ", "203.0.113.7"],
    ["010.000.000.001", "10.0.0.1"],
    // IPv6 counts per /64, however it is written.
    ["2001:db8:85a3:1:8a2e:370:7334:1", "2001:db8:85a3:1::/64"],
    ["2001:DB8:85A3:0001:ffff:ffff:ffff:ffff", "2001:db8:85a3:1::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["[2001:db8::1]", "2001:db8:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["64:ff9b::192.0.2.33", "64:ff9b:0:0::/64"],
    // IPv4-mapped IPv6 is the IPv4 client.
    ["::ffff:198.51.100.4", "198.51.100.4"],
    ["::ffff:c633:6404", "198.51.100.4"],
  ])("%s → %s", (header, key) => {
    expect(clientAddressKey(header)).toBe(key);
  });

  it.each([undefined, null, "", "   ", "256.1.1.1", "1.2.3", "example.com", "1:2:3:4:5:6:7:8:9", "1::2::3", "12345::1", "203.0.113.7, 10.0.0.1", "::ffff:1.2.3"])(
    "%s → unknown",
    (header) => {
      expect(clientAddressKey(header)).toBe(unknownAddress);
    },
  );

  it("tells apart two /64s and folds addresses within one", () => {
    expect(clientAddressKey("2001:db8:0:1::a")).toBe(clientAddressKey("2001:db8:0:1:ffff::b"));
    expect(clientAddressKey("2001:db8:0:1::a")).not.toBe(clientAddressKey("2001:db8:0:2::a"));
  });
});
