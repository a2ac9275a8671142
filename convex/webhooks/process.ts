import { v } from "convex/values";
import { internalAction } from "../_generated/server";

// Placeholder until event application lands (replaced in the webhooks change).
export const processDelivery = internalAction({
  args: { id: v.id("webhookDeliveries") },
  handler: async () => {},
});
