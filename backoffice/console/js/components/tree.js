// The site → building → floor tree of /places/tree, with the meters each node holds.
import { html, useEffect, useState } from '../lib.js';
import { get } from '../api.js';
import { t } from '../i18n.js';

// `version`: a number the caller bumps after changing places, to read the tree again.
export function usePlaceTree(version = 0) {
  const [tree, setTree] = useState([]);
  useEffect(() => { get('/places/tree').then(setTree); }, [version]);
  return tree;
}

function Node({ node, depth, chosen, onChoose, open, toggle }) {
  const key = `${node.kind}:${node.id}`;
  const expanded = open.has(key);
  const isChosen = chosen && chosen.kind === node.kind && chosen.id === node.id;
  return html`<li role="treeitem" aria-expanded=${node.children.length ? expanded : null}>
    <div class=${`tree-row ${isChosen ? 'chosen' : ''}`} style=${{ paddingLeft: `${depth * 16 + 4}px` }}>
      <span class="tree-toggle" onClick=${() => toggle(key)}>${node.children.length ? (expanded ? '▾' : '▸') : ''}</span>
      <span class="tree-label" data-node=${key} onClick=${() => onChoose(node)}>${node.name}
        <span class="tree-count">${node.meters}</span></span>
    </div>
    ${expanded && node.children.length > 0 && html`<ul role="group">
      ${node.children.map((child) => html`<${Node} key=${child.id} node=${child} depth=${depth + 1}
        chosen=${chosen} onChoose=${onChoose} open=${open} toggle=${toggle} />`)}</ul>`}
  </li>`;
}

export function PlaceTree({ nodes, chosen, onChoose }) {
  const [open, setOpen] = useState(new Set());
  useEffect(() => {  // sites and buildings open at first, so every floor is one click away
    setOpen(new Set(nodes.flatMap((site) => [`site:${site.id}`,
      ...site.children.map((building) => `building:${building.id}`)])));
  }, [nodes]);
  const toggle = (key) => {
    const next = new Set(open);
    next.has(key) ? next.delete(key) : next.add(key);
    setOpen(next);
  };
  return html`<nav class="tree" aria-label=${t('Places')}>
    <div class=${`tree-row ${chosen ? '' : 'chosen'}`}><span class="tree-toggle"></span>
      <span class="tree-label" data-node="all" onClick=${() => onChoose(null)}>${t('All sites')}</span></div>
    <ul role="tree">${nodes.map((site) => html`<${Node} key=${site.id} node=${site} depth=${0}
      chosen=${chosen} onChoose=${onChoose} open=${open} toggle=${toggle} />`)}</ul>
  </nav>`;
}
