/** Counts in words, as the server words them (convex/messages.ts). */
export { plural } from "../../convex/messages";
