/** A reason the node cannot start that is not a bad property: printed as one line, no stack. */
export class StartError extends Error {}
