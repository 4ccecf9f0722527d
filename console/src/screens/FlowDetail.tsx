import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { Tab, TabList, TabPanel, Tabs } from 'react-aria-components';
import { flowQuery } from '../api/automation';
import { FlowEditor } from '../components/FlowEditor';
import { FlowRuns } from '../components/FlowRuns';
import { Topbar } from '../components/Topbar';
import { ErrorAlert, Loading, PageHead } from '../components/ui';
import { triggerSummary } from './Flows';

/** One flow: its editor and its runs, in two tabs; `new` is a flow not saved yet, editor only. */
export default function FlowDetail() {
  const { ws, flow: id } = useParams({ from: '/app/w/$ws/flows/$flow' });
  const search = useSearch({ from: '/app/w/$ws/flows/$flow' });
  const navigate = useNavigate({ from: '/w/$ws/flows/$flow' });
  const isNew = id === 'new';
  const flow = useQuery({ ...flowQuery(ws, id), enabled: !isNew });
  const tab = isNew ? 'editor' : (search.tab ?? 'editor');
  const name = isNew ? 'New flow' : (flow.data?.name ?? 'Flow');

  return (
    <>
      <Topbar
        ws={ws}
        trail={[
          {
            label: 'Flows',
            to: (
              <Link to="/w/$ws/flows" params={{ ws }}>
                Flows
              </Link>
            ),
          },
          { label: name },
        ]}
      />
      <div className="content">
        <PageHead title={name} sub={flow.data && triggerSummary(flow.data.trigger)} />
        <ErrorAlert error={flow.error} />
        {isNew ? (
          <FlowEditor ws={ws} flow={null} onSaved={(saved) => void navigate({ params: { ws, flow: saved.id }, search: { tab: 'editor' } })} />
        ) : flow.isPending ? (
          <Loading what="the flow" />
        ) : (
          flow.data && (
            <Tabs className="tabs" selectedKey={tab} onSelectionChange={(key) => void navigate({ search: (prev) => ({ ...prev, tab: key as 'editor' | 'runs' }) })}>
              <TabList className="tab-list" aria-label="Flow">
                <Tab className="tab" id="editor">
                  Editor
                </Tab>
                <Tab className="tab" id="runs">
                  Runs
                </Tab>
              </TabList>
              <TabPanel className="tab-panel" id="editor">
                <FlowEditor key={flow.data.id} ws={ws} flow={flow.data} onSaved={() => undefined} />
              </TabPanel>
              <TabPanel className="tab-panel" id="runs">
                <FlowRuns ws={ws} flow={flow.data} selected={search.run} onSelect={(run) => void navigate({ search: (prev) => ({ ...prev, tab: 'runs', run }) })} />
              </TabPanel>
            </Tabs>
          )
        )}
      </div>
    </>
  );
}
