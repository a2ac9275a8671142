import { httpRouter } from "convex/server";
import { auth } from "./auth";
import { githubWebhook } from "./webhooks/receive";

const http = httpRouter();

http.route({ path: "/github/webhook", method: "POST", handler: githubWebhook });
auth.addHttpRoutes(http);

export default http;
