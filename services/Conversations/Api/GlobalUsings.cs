// Every slice of the agent API answers errors as the shared ApiError, and AgentAuth names the caller.
global using Handoff.ServiceDefaults;
