/**
 * The bootstrap catalog's inheritance edit both impact tests make (tests/impact/bootstrap.test.ts
 * through the test engine, tests/real-cli/impact.test.ts through the real CLI): Account Executive
 * inherits AWS Analytics Engineer instead of AD VPN Users, and what that changes for its holders.
 */
export const VPN_LOSS = {
  entityType: "ActiveDirectoryGroup",
  datasourceId: "ad-corp",
  entityId: "CN=VPN-Users,OU=Groups,DC=corp,DC=example,DC=com",
  via: ["Account Executive", "AD VPN Users"],
};
export const ATHENA_GAIN = {
  entityType: "AwsIamRole",
  datasourceId: "aws-analytics-222222222222",
  entityId: "arn:aws:iam::222222222222:role/AthenaQuery",
  via: ["Account Executive", "AWS Analytics Engineer"],
};
