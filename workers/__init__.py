"""The arq worker: `arq workers.settings.WorkerSettings`."""
