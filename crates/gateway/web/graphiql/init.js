// Starts GraphiQL on this origin: queries and mutations over POST /graphql,
// subscriptions over this origin's WebSocket (graphql-transport-ws).
//
// The web app's "GraphiQL" link passes the access token in the URL fragment
// (#access_token=…), which never reaches a server; it is moved into the
// Authorization header and the WebSocket's connection_init, then removed
// from the address bar.
(function () {
  'use strict';
  var token = null;
  var match = /(?:^#|&)access_token=([^&]+)/.exec(window.location.hash);
  if (match) {
    token = decodeURIComponent(match[1]);
    window.history.replaceState(null, '', window.location.pathname + window.location.search);
  }
  var wsScheme = window.location.protocol === 'https:' ? 'wss:' : 'ws:';
  var fetcher = GraphiQL.createFetcher({
    url: window.location.origin + '/graphql',
    subscriptionUrl: wsScheme + '//' + window.location.host + '/graphql',
    wsConnectionParams: function () {
      var headers = {};
      try {
        headers = JSON.parse(localStorage.getItem('graphiql:headers') || '{}') || {};
      } catch (e) {
        headers = {};
      }
      var bearer = (headers.Authorization || headers.authorization || '').replace(/^Bearer\s+/i, '');
      return bearer || token ? { accessToken: bearer || token } : {};
    },
  });
  var props = {
    fetcher: fetcher,
    defaultQuery: '{ me { displayName } }\n',
    shouldPersistHeaders: true,
  };
  if (token) {
    props.headers = JSON.stringify({ Authorization: 'Bearer ' + token }, null, 2);
  }
  var root = ReactDOM.createRoot(document.getElementById('graphiql'));
  root.render(React.createElement(GraphiQL, props));
})();
