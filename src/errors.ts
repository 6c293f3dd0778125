/**
 * Expected failures carry a stable `code` and the process exit code the CLI uses.
 * Anything that is not a GpenError is a bug: the CLI prints its stack.
 */
export const EXIT = { ok: 0, internal: 1, usage: 2, missingModel: 3, transient: 75 } as const;

export class GpenError extends Error {
  readonly code: string;
  readonly exitCode: number;
  constructor(code: string, message: string, options?: { exitCode?: number; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = options?.exitCode ?? EXIT.usage;
  }
}

/** Bad command line, bad option value, bad job file. */
export class UsageError extends GpenError {
  constructor(message: string, code = 'E_USAGE') {
    super(code, message, { exitCode: EXIT.usage });
  }
}

/** The input (video, image, checkpoint) is missing, unreadable or malformed. */
export class InputError extends GpenError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { exitCode: EXIT.usage, cause });
  }
}

/** A model is not installed where we looked. */
export class ModelMissingError extends GpenError {
  constructor(message: string) {
    super('E_MODEL_MISSING', message, { exitCode: EXIT.missingModel });
  }
}

/** Model files that exist but are wrong: checksum mismatch, unknown architecture, bad checkpoint. */
export class ModelError extends GpenError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { exitCode: EXIT.usage, cause });
  }
}

/** Network or other failures worth retrying. */
export class TransientError extends GpenError {
  constructor(code: string, message: string, cause?: unknown) {
    super(code, message, { exitCode: EXIT.transient, cause });
  }
}

export function isGpenError(e: unknown): e is GpenError {
  return e instanceof GpenError;
}
