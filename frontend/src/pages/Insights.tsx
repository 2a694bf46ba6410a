/** Insights: mail per day, top correspondents, storage by label, the largest threads. */

import { useEffect } from 'react';
import { Link } from 'react-router';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { useInsights } from '../api/hooks';
import type { InsightsData } from '../api/types';
import { count, size } from '../lib/format';
import { labelTitle } from '../lib/labels';
import { ErrorState, Loading } from '../components/States';

/** Every one of the last `days` days, with zeros where nothing happened. */
export function fillDays(perDay: InsightsData['per_day'], days = 90, today = new Date()): InsightsData['per_day'] {
  const by = new Map(perDay.map((d) => [d.day, d]));
  const out: InsightsData['per_day'] = [];
  for (let i = days - 1; i >= 0; i--) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    const key = d.toISOString().slice(0, 10);
    out.push(by.get(key) ?? { day: key, received: 0, sent: 0 });
  }
  return out;
}

function Card({ title, children, wide }: { title: string; children: React.ReactNode; wide?: boolean }) {
  return (
    <section aria-label={title} className={`rounded-2xl border border-line bg-white p-5 ${wide ? 'lg:col-span-2' : ''}`}>
      <h2 className="mb-4 text-base font-medium text-ink">{title}</h2>
      {children}
    </section>
  );
}

export default function Insights() {
  const q = useInsights();
  useEffect(() => {
    document.title = 'Insights - mailcore';
  }, []);
  return (
    <main id="main" className="min-w-0 flex-1 overflow-y-auto bg-page md:mb-4 md:rounded-2xl">
      <div className="px-4 py-6 md:px-6">
        <h1 className="mb-1 text-2xl text-ink">Insights</h1>
        {q.isPending ? (
          <Loading label="Loading insights" />
        ) : q.isError ? (
          <ErrorState error={q.error} retry={() => void q.refetch()} />
        ) : (
          <Body data={q.data.insights} />
        )}
      </div>
    </main>
  );
}

function Body({ data }: { data: InsightsData }) {
  const days = fillDays(data.per_day);
  const shown = data.storage_by_label.filter((l) => l.role !== 'all' && l.bytes > 0).slice(0, 12);
  const big = shown.some((l) => l.bytes >= 1048576);
  const unit = big ? 'MB' : 'KB';
  const storage = shown.map((l) => ({
    ...l,
    name: labelTitle({ name: l.label, role: l.role }),
    mb: +(l.bytes / (big ? 1048576 : 1024)).toFixed(2),
  }));
  const people = data.top_correspondents.map((p) => ({ ...p, who: p.name || p.address }));
  return (
    <>
      <p className="mb-6 text-sm text-muted">
        {count(data.total_messages)} messages · {size(data.total_bytes)} used · last 90 days
      </p>
      <div className="grid gap-4 lg:grid-cols-2">
        <Card title="Mail received and sent per day" wide>
          <div className="h-64" role="img" aria-label={`Line chart of mail per day over the last 90 days: ${days.reduce((n, d) => n + d.received, 0)} received, ${days.reduce((n, d) => n + d.sent, 0)} sent`}>
            <div aria-hidden="true" className="h-full w-full"><ResponsiveContainer width="100%" height="100%">
              <LineChart accessibilityLayer={false} data={days} margin={{ top: 5, right: 16, bottom: 5, left: 0 }}>
                <CartesianGrid stroke="var(--color-chart-grid)" vertical={false} />
                <XAxis dataKey="day" tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} tickFormatter={(d: string) => d.slice(5)} minTickGap={24} />
                <YAxis allowDecimals={false} tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} width={36} />
                <Tooltip />
                <Legend />
                <Line type="monotone" isAnimationActive={false} dataKey="received" name="Received" stroke="var(--color-chart-received)" strokeWidth={2} dot={false} />
                <Line type="monotone" isAnimationActive={false} dataKey="sent" name="Sent" stroke="var(--color-chart-sent)" strokeWidth={2} dot={false} />
              </LineChart>
            </ResponsiveContainer></div>
          </div>
        </Card>
        <Card title="Top correspondents">
          {people.length === 0 ? (
            <p className="text-sm text-muted">Nobody yet.</p>
          ) : (
            <div className="h-72" role="img" aria-label={`Bar chart of top correspondents: ${people.map((p) => `${p.who} ${p.received + p.sent}`).join(', ')}`}>
              <div aria-hidden="true" className="h-full w-full"><ResponsiveContainer width="100%" height="100%">
                <BarChart accessibilityLayer={false} data={people} layout="vertical" margin={{ left: 8, right: 16 }}>
                  <CartesianGrid stroke="var(--color-chart-grid)" horizontal={false} />
                  <XAxis type="number" allowDecimals={false} tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} />
                  <YAxis type="category" dataKey="who" width={130} tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} />
                  <Tooltip />
                  <Legend />
                  <Bar isAnimationActive={false} dataKey="received" name="Received" stackId="a" fill="var(--color-chart-received)" />
                  <Bar isAnimationActive={false} dataKey="sent" name="Sent" stackId="a" fill="var(--color-chart-sent)" />
                </BarChart>
              </ResponsiveContainer></div>
            </div>
          )}
        </Card>
        <Card title="Storage used by label">
          {storage.length === 0 ? (
            <p className="text-sm text-muted">No mail stored yet.</p>
          ) : (
            <div className="h-72" role="img" aria-label={`Bar chart of storage by label: ${storage.map((s) => `${s.name} ${size(s.bytes)}`).join(', ')}`}>
              <div aria-hidden="true" className="h-full w-full"><ResponsiveContainer width="100%" height="100%">
                <BarChart accessibilityLayer={false} data={storage} layout="vertical" margin={{ left: 8, right: 16 }}>
                  <CartesianGrid stroke="var(--color-chart-grid)" horizontal={false} />
                  <XAxis type="number" unit={` ${unit}`} tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} />
                  <YAxis type="category" dataKey="name" width={100} tick={{ fontSize: 11, fill: 'var(--color-chart-tick)' }} />
                  <Tooltip formatter={(v) => `${String(v)} ${unit}`} />
                  <Bar isAnimationActive={false} dataKey="mb" name="Size" fill="var(--color-chart-size)" radius={[0, 4, 4, 0]} />
                </BarChart>
              </ResponsiveContainer></div>
            </div>
          )}
        </Card>
        <Card title="Largest conversations" wide>
          {data.largest_threads.length === 0 ? (
            <p className="text-sm text-muted">No conversations yet.</p>
          ) : (
            <table className="w-full text-sm">
              <thead>
                <tr className="text-left text-muted">
                  <th className="py-2 font-medium">Subject</th>
                  <th className="py-2 text-right font-medium">Messages</th>
                  <th className="py-2 text-right font-medium">Size</th>
                </tr>
              </thead>
              <tbody>
                {data.largest_threads.map((t) => (
                  <tr key={String(t.thread_id)} className="border-t border-line">
                    <td className="max-w-0 truncate py-2 pr-4">
                      <Link to={`/label/All%20Mail/thread/${t.thread_id}`} className="text-accent hover:underline">
                        {t.subject || '(no subject)'}
                      </Link>
                    </td>
                    <td className="py-2 text-right">{count(t.messages)}</td>
                    <td className="py-2 text-right">{size(t.bytes)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      </div>
    </>
  );
}
