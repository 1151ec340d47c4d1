/**
 * fullstack-pulumi: the Full Stack Python deployment diagram as Pulumi components.
 * Every component is cloud-neutral; the cloud is chosen by the Network it runs in.
 */
export { Network, type NetworkArgs } from "./network";
export { LinuxServer, type LinuxServerArgs, DATA_MOUNT } from "./linuxServer";
export { WebTier, type WebTierArgs } from "./webTier";
export { loadSettings, SettingsError, isSettingsError, KEYS } from "../settings";
export type { Settings, AppSettings, AccessSettings, DomainSettings, GunicornSettings, WebSettings } from "../settings";
export type { IngressRule, Source } from "../clouds";
