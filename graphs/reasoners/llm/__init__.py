"""The LLM reasoner: a chat model (ChatOpenAI or any OpenAI-compatible server) that understands and plans.

The local router always runs first and checks the model; tools, policy checks and approval holds stay with the
graph, whatever the model proposes. Prompts live in prompts/llm/.
"""
