import { DashboardPanel } from './DashboardPanel';
import { Providers } from './providers';

export default function Home() {
  return (
    <Providers>
      <DashboardPanel />
    </Providers>
  );
}
