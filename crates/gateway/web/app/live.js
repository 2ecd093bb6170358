// A small graphql-transport-ws client for subscriptions over /graphql:
// connection_init with the access token, one subscribe per call, and a
// reconnect (with a fresh token) when the socket closes.

import { currentSession } from './api.js';

/** Subscribes to `query`; `onData(data)` runs for every event. Answers a
 * function that stops it. */
export function subscribe(query, variables, onData, onStatus = () => {}) {
  let socket = null;
  let stopped = false;
  let retry = 1000;
  let timer = null;
  const id = String(Math.random()).slice(2);

  const open = () => {
    const s = currentSession();
    if (stopped || !s) return;
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    socket = new WebSocket(`${scheme}//${location.host}/graphql`, 'graphql-transport-ws');
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'connection_init', payload: { accessToken: s.accessToken } }));
    };
    socket.onmessage = (event) => {
      let message;
      try {
        message = JSON.parse(event.data);
      } catch (err) {
        return;
      }
      if (message.type === 'connection_ack') {
        retry = 1000;
        onStatus('live');
        socket.send(JSON.stringify({ id, type: 'subscribe', payload: { query, variables } }));
      } else if (message.type === 'ping') {
        socket.send(JSON.stringify({ type: 'pong' }));
      } else if (message.type === 'next' && message.id === id && message.payload && message.payload.data) {
        onData(message.payload.data);
      } else if (message.type === 'error') {
        onStatus('error');
      }
    };
    socket.onclose = () => {
      onStatus('offline');
      if (stopped) return;
      timer = setTimeout(open, retry);
      retry = Math.min(retry * 2, 30_000);
    };
  };
  open();
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (socket && socket.readyState <= 1) {
      try {
        socket.send(JSON.stringify({ id, type: 'complete' }));
      } catch (err) {
        /* closing anyway */
      }
      socket.close(1000);
    }
  };
}
