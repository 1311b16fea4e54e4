/**
 * The close status codes of RFC 6455 §7.4.1 and the IANA "WebSocket Close Code
 * Number Registry", by name: `ws.close({ status: CloseCode.GOING_AWAY })`,
 * `if (e.closeCode === CloseCode.MESSAGE_TOO_BIG)`. A leaf module, so that the
 * exception factories and the frame layer can both use it.
 */
export const CloseCode = {
  /** 1000: the purpose of the connection was fulfilled. */
  NORMAL: 1000,
  /** 1001: an endpoint is going away (server shutdown, page navigated away). */
  GOING_AWAY: 1001,
  /** 1002: the peer broke the protocol. */
  PROTOCOL_ERROR: 1002,
  /** 1003: a data type the endpoint cannot accept (e.g. binary for a text-only endpoint). */
  UNSUPPORTED_DATA: 1003,
  /** 1005: no status code was present; reported locally, never sent. */
  NO_STATUS: 1005,
  /** 1006: the connection closed without a close frame; reported locally, never sent. */
  ABNORMAL_CLOSURE: 1006,
  /** 1007: a message's data did not match its type (invalid UTF-8 in text). */
  INVALID_PAYLOAD: 1007,
  /** 1008: a message violated the endpoint's policy. */
  POLICY_VIOLATION: 1008,
  /** 1009: a message too big to process. */
  MESSAGE_TOO_BIG: 1009,
  /** 1010: the client expected an extension the server did not negotiate. */
  MANDATORY_EXTENSION: 1010,
  /** 1011: the server met an unexpected condition. */
  INTERNAL_ERROR: 1011,
  /** 1012: the server is restarting. */
  SERVICE_RESTART: 1012,
  /** 1013: try again later (temporary overload). */
  TRY_AGAIN_LATER: 1013,
  /** 1014: a gateway or proxy got an invalid response upstream. */
  BAD_GATEWAY: 1014,
  /** 1015: the TLS handshake failed; reported locally, never sent. */
  TLS_HANDSHAKE: 1015,
} as const;

/** One of the named close codes. */
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
