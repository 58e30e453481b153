/**
 * What "Download a Model…" says while downloads are off. Dialogs show plain text (no
 * Markdown): commands and setting names are set off with quotes, never backticks.
 */
export const OFFLINE_HELP = {
  message: "Hearth downloads nothing unless you allow it.",
  detail: [
    "Downloads are off (setting “Hearth › Network: Allow Model Download”, hearth.network.allowModelDownload). Offline ways to get a GGUF model:",
    "",
    "• Ollama: run “ollama pull qwen2.5-coder:1.5b”. Hearth finds Ollama's models.",
    "• LM Studio: download a GGUF model there. Hearth finds LM Studio's models folder.",
    "• Download a .gguf file on another machine (for example from Hugging Face) and copy it into a model folder.",
  ].join("\n"),
} as const;
